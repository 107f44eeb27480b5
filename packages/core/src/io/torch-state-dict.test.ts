import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { parseSafetensors, toTensors } from './safetensors.js';
import { serializeSafetensors } from './safetensors-writer.js';
import { disposeAll, loadTorchStateDict, toTorchStateDict } from './torch-state-dict.js';

// Tiny modules defined here so these tests exercise only the file boundary, not the nn layers.

/** y = x @ W + b with W kept [in, out] in memory (layout 'linear'). */
class TinyLinear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(inF: number, outF: number, seed: number) {
    super();
    this.weight = this.initParameter('weight', () => ramp([inF, outF], seed), { layout: 'linear' });
    this.bias = this.initParameter('bias', () => ramp([outF], seed + 100));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.add(tf.matMul(x, this.weight.value), this.bias.value);
  }
}

class TinyNet extends Module {
  readonly fc: TinyLinear;
  readonly conv: Parameter;
  readonly dw: Parameter;
  readonly stats: Parameter;
  constructor() {
    super();
    this.fc = this.registerModule('fc', new TinyLinear(3, 5, 1));
    this.conv = this.initParameter('conv_weight', () => ramp([2, 3, 4, 6], 2), { layout: 'conv2d' });
    this.dw = this.initParameter('dw_weight', () => ramp([3, 3, 4, 2], 3), { layout: 'depthwise2d' });
    this.stats = this.initBuffer('running_mean', () => ramp([6], 4));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.fc.call(x);
  }
}

/** Distinct, exactly representable values so any transposition mistake shows. */
function ramp(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => seed * 1000 + i * 0.5 - 7),
    shape,
  );
}

const array = (t: tf.Tensor) => t.arraySync() as number[][][][];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toTorchStateDict', () => {
  it('writes Linear as [out, in], conv2d as OIHW and depthwise as [C*M, 1, kh, kw]', () => {
    const net = new TinyNet();
    const before = tf.memory().numTensors;
    const sd = toTorchStateDict(net);
    expect([...sd.keys()].sort()).toEqual([
      'conv_weight',
      'dw_weight',
      'fc.bias',
      'fc.weight',
      'running_mean',
    ]);

    const wMem = net.fc.weight.value.arraySync() as number[][];
    const wFile = sd.get('fc.weight')!.arraySync() as number[][];
    expect(sd.get('fc.weight')!.shape).toEqual([5, 3]);
    for (let o = 0; o < 5; o++) for (let i = 0; i < 3; i++) expect(wFile[o]![i]).toBe(wMem[i]![o]);

    const cMem = array(net.conv.value);
    const cFile = array(sd.get('conv_weight')!);
    expect(sd.get('conv_weight')!.shape).toEqual([6, 4, 2, 3]);
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let i = 0; i < 4; i++)
          for (let o = 0; o < 6; o++) expect(cFile[o]![i]![h]![w]).toBe(cMem[h]![w]![i]![o]);

    // Depthwise: channel c with multiplier k is PyTorch output channel c * M + k (groups = C).
    const dMem = array(net.dw.value);
    const dFile = array(sd.get('dw_weight')!);
    expect(sd.get('dw_weight')!.shape).toEqual([8, 1, 3, 3]);
    for (let h = 0; h < 3; h++)
      for (let w = 0; w < 3; w++)
        for (let c = 0; c < 4; c++)
          for (let k = 0; k < 2; k++) expect(dFile[c * 2 + k]![0]![h]![w]).toBe(dMem[h]![w]![c]![k]);

    expect(tf.memory().numTensors).toBe(before + 5);
    disposeAll(sd);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('prefixes keys', () => {
    const net = new TinyLinear(2, 2, 1);
    const sd = toTorchStateDict(net, { prefix: 'base_model.model' });
    expect([...sd.keys()]).toEqual(['base_model.model.weight', 'base_model.model.bias']);
    disposeAll(sd);
    net.dispose();
  });
});

describe('loadTorchStateDict', () => {
  it('round-trips through safetensors bytes to identical memory tensors', () => {
    const src = new TinyNet();
    const dst = new TinyNet();
    for (const p of dst.stateDict().values()) p.assign(tf.zerosLike(p.value));
    const sd = toTorchStateDict(src);
    const bytes = serializeSafetensors(sd);
    disposeAll(sd);
    const loaded = toTensors(parseSafetensors(bytes));
    const before = tf.memory().numTensors;
    const report = loadTorchStateDict(dst, loaded);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.loaded.sort()).toEqual([
      'conv_weight',
      'dw_weight',
      'fc.bias',
      'fc.weight',
      'running_mean',
    ]);
    for (const [k, p] of src.stateDict()) {
      const q = dst.stateDict().get(k)!;
      expect(q.shape).toEqual(p.shape);
      expect(q.value.dataSync()).toEqual(p.value.dataSync());
    }
    disposeAll(loaded);
    src.dispose();
    dst.dispose();
  });

  it('a PyTorch-layout file built by hand gives y = x W^T + b', () => {
    // W is [out=2, in=3] as PyTorch stores it.
    const W = [
      [1, -2, 0.5],
      [3, 0.25, -1],
    ];
    const b = [0.5, -4];
    const file = tf.tidy(() => serializeSafetensors({ weight: tf.tensor(W), bias: tf.tensor(b) }));
    const tensors = toTensors(parseSafetensors(file));
    const lin = new TinyLinear(3, 2, 9);
    loadTorchStateDict(lin, tensors);
    const x = [
      [1, 2, 3],
      [-1, 0.5, 2],
    ];
    const y = tf.tidy(() => lin.call(tf.tensor(x)).arraySync() as number[][]);
    const expected = x.map((row) => W.map((wRow, o) => wRow.reduce((s, w, i) => s + w * row[i]!, b[o]!)));
    expect(y).toEqual(expected);
    disposeAll(tensors);
    lin.dispose();
  });

  it('strips a prefix and treats keys outside it as unexpected', () => {
    const src = new TinyLinear(2, 3, 1);
    const dst = new TinyLinear(2, 3, 5);
    const sd = toTorchStateDict(src, { prefix: 'bert.' });
    sd.set('classifier.weight', tf.zeros([1]));
    expect(() => loadTorchStateDict(dst, sd, { prefix: 'bert' })).toThrow(
      /unexpected keys \(1\):\n {2}classifier\.weight/,
    );
    const report = loadTorchStateDict(dst, sd, { prefix: 'bert', strict: false });
    expect(report.unexpected).toEqual(['classifier.weight']);
    expect(report.loaded.sort()).toEqual(['bert.bias', 'bert.weight']);
    expect(dst.weight.value.dataSync()).toEqual(src.weight.value.dataSync());
    disposeAll(sd);
    src.dispose();
    dst.dispose();
  });

  it('reports every missing, unexpected and mis-shaped key in one error and assigns nothing', () => {
    const net = new TinyNet();
    const original = net.fc.bias.value.dataSync().slice();
    const tensors = new Map<string, tf.Tensor>([
      ['fc.weight', tf.zeros([3, 5])], // memory shape written as-is: wrong in a PyTorch file
      ['fc.bias', tf.ones([5])],
      ['conv_weight', tf.zeros([6, 4, 2, 3])],
      ['dw_weight', tf.zeros([8, 1, 3, 3], 'int32')],
      ['extra.weight', tf.zeros([1])],
      ['fc.scale', tf.zeros([1])],
    ]);
    let message = '';
    try {
      loadTorchStateDict(net, tensors);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('loadTorchStateDict(TinyNet) failed');
    expect(message).toContain(
      "fc.weight: file has [3,5], expected PyTorch-layout [5,3] (memory [3,5], layout 'linear')",
    );
    expect(message).toContain('dw_weight: file has dtype int32, expected float32');
    expect(message).toMatch(/missing keys \(1\):\n {2}running_mean/);
    expect(message).toMatch(/unexpected keys \(2\):\n {2}extra\.weight\n {2}fc\.scale/);
    expect(net.fc.bias.value.dataSync()).toEqual(original);
    disposeAll(tensors);
    net.dispose();
  });

  it('non-strict still rejects shape mismatches', () => {
    const lin = new TinyLinear(3, 2, 1);
    const bad = new Map([['weight', tf.zeros([2, 4])]]);
    expect(() => loadTorchStateDict(lin, bad, { strict: false })).toThrow(
      /weight: file has \[2,4\], expected PyTorch-layout \[2,3\]/,
    );
    disposeAll(bad);
    lin.dispose();
  });
});
