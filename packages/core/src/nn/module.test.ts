import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { BatchNorm2d } from './batch-norm.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module, type UnaryModule } from './module.js';
import type { Parameter } from './parameter.js';
import { Sequential } from './sequential.js';
import { randomTensor, useCpu } from './testing/references.js';
import { TransformerEncoder } from './transformer-encoder.js';
import { TransformerEncoderLayer } from './transformer-encoder-layer.js';

beforeAll(useCpu);

const D = 8;
function encoder(seed: number): TransformerEncoder {
  setSeed(seed);
  return new TransformerEncoder(
    () => new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, dropout: 0.1 }),
    2,
    { finalNorm: new LayerNorm(D) },
  );
}

const LAYER_PATHS = [
  'self_attn',
  'self_attn.q_proj',
  'self_attn.k_proj',
  'self_attn.v_proj',
  'self_attn.out_proj',
  'linear1',
  'dropout',
  'linear2',
  'norm1',
  'norm2',
  'dropout1',
  'dropout2',
];

/** Multiplies its input by a constant: a stand-in for a PEFT wrapper. */
class Scale extends Module<[tf.Tensor], tf.Tensor> {
  constructor(
    readonly inner: UnaryModule,
    readonly factor: number,
  ) {
    super();
    this.registerModule('base', inner);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(this.inner.call(x), this.factor);
  }
}

/** Ties a Linear's weight under a second name, as tied input/output embeddings do. */
class Tied extends Module<[tf.Tensor], tf.Tensor> {
  readonly a = this.registerModule('a', new Linear(4, 4));
  readonly shared: Parameter;
  constructor() {
    super();
    this.shared = this.adoptParameter('tied', this.a.weight);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.a.call(x);
  }
}

describe('Module tree', () => {
  it('namedModules gives PyTorch-style dotted paths, parents first', () => {
    const m = encoder(1);
    const paths = [...m.namedModules()].map(([p]) => p);
    const expected = [
      '',
      'layers',
      ...[0, 1].flatMap((i) => [`layers.${i}`, ...LAYER_PATHS.map((p) => `layers.${i}.${p}`)]),
      'norm',
    ];
    expect(paths).toEqual(expected);
    expect(m.getSubmodule('layers.1.self_attn.v_proj')).toBeInstanceOf(Linear);
    m.dispose();
  });

  it('namedParameters lists every parameter path with its shape', () => {
    const m = encoder(1);
    const named = new Map(m.namedParameters().map(([p, v]) => [p, v.shape]));
    expect(named.get('layers.0.self_attn.q_proj.weight')).toEqual([D, D]);
    expect(named.get('layers.1.linear1.weight')).toEqual([D, 16]);
    expect(named.get('layers.1.linear2.bias')).toEqual([D]);
    expect(named.get('norm.weight')).toEqual([D]);
    // 4 projections (w+b) + linear1/2 (w+b) + 2 norms (w+b) = 16 per layer, + final norm 2.
    expect(named.size).toBe(2 * 16 + 2);
    const perLayer = 4 * (D * D + D) + (D * 16 + 16) + (16 * D + D) + 4 * D;
    expect(m.numParameters()).toBe(2 * perLayer + 2 * D);
    m.dispose();
  });

  it('setSubmodule replaces a layer: forward and paths change; bad paths name the missing part', () => {
    const m = encoder(3).eval();
    const x = randomTensor([2, 3, D], 7);
    const before = m.call(x);
    const old = m.setSubmodule(
      'layers.0.self_attn.q_proj',
      new Scale(m.getSubmodule('layers.0.self_attn.q_proj') as Linear, 3),
    );
    expect(old).toBeInstanceOf(Linear);
    const after = m.call(x);
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeGreaterThan(1e-4);
    const paths = m.namedParameters().map(([p]) => p);
    expect(paths).toContain('layers.0.self_attn.q_proj.base.weight');
    expect(paths).not.toContain('layers.0.self_attn.q_proj.weight');

    expect(() => m.setSubmodule('layers.5.linear1', new Linear(D, 16))).toThrow(
      /no child '5'.*children: 0, 1/,
    );
    expect(() => m.getSubmodule('layers.0.self_attn.query')).toThrow(
      /layers\.0\.self_attn.*no child 'query'/,
    );
    expect(() => m.setSubmodule('layers.0.nope', new Linear(D, D))).toThrow(
      /'layers\.0\.nope' does not exist/,
    );
    tf.dispose([x, before, after]);
    m.dispose();
  });

  it('parameters({ trainableOnly }) follows freezing', () => {
    const m = encoder(1);
    m.requiresGrad(false);
    expect(m.parameters({ trainableOnly: true })).toHaveLength(0);
    m.getSubmodule('layers.1.self_attn.v_proj').requiresGrad(true);
    expect(m.namedParameters({ trainableOnly: true }).map(([p]) => p)).toEqual([
      'layers.1.self_attn.v_proj.weight',
      'layers.1.self_attn.v_proj.bias',
    ]);
    expect(m.numParameters({ trainableOnly: true })).toBe(D * D + D);
    m.dispose();
  });

  it('train() / eval() propagate to every submodule', () => {
    const m = encoder(1);
    m.eval();
    expect([...m.namedModules()].every(([, s]) => !s.training)).toBe(true);
    m.train();
    expect([...m.namedModules()].every(([, s]) => s.training)).toBe(true);
    m.getSubmodule('layers.0').eval();
    expect(m.getSubmodule('layers.0.dropout1').training).toBe(false);
    expect(m.getSubmodule('layers.1.dropout1').training).toBe(true);
    m.dispose();
  });

  it('counts a shared parameter once', () => {
    const t = new Tied();
    // The first path in traversal order (parents first) wins, as in PyTorch.
    expect(t.namedParameters().map(([p]) => p)).toEqual(['tied', 'a.bias']);
    expect(t.numParameters()).toBe(16 + 4);
    // State dicts keep both names (like PyTorch), pointing at the same variable.
    expect(t.stateDict().get('tied')).toBe(t.stateDict().get('a.weight'));
    expect(t.shared).toBe(t.a.weight);
    t.dispose();
  });

  it('does not leak the initial tensors of parameters', () => {
    const before = tf.memory().numTensors;
    const m = encoder(1);
    const n = m.stateDict().size;
    expect(tf.memory().numTensors - before).toBe(n);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('state dicts', () => {
  it('round-trips: clone -> load into a differently seeded model -> identical outputs', () => {
    const a = encoder(1).eval();
    const b = encoder(2).eval();
    const x = randomTensor([2, 4, D], 11);
    const ya = a.call(x);
    const yb = b.call(x);
    expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBeGreaterThan(1e-3);
    const snapshot = new Map([...a.stateDict()].map(([k, p]) => [k, p.value.clone()]));
    const report = b.loadStateDict(snapshot);
    expect(report.loaded).toHaveLength(a.stateDict().size);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const yb2 = b.call(x);
    expect(Array.from(yb2.dataSync())).toEqual(Array.from(ya.dataSync()));
    tf.dispose([x, ya, yb, yb2, ...snapshot.values()]);
    a.dispose();
    b.dispose();
  });

  it('includes buffers (BatchNorm running stats) but not in namedParameters', () => {
    const m = new Sequential(new Linear(3, 4), new BatchNorm2d(4));
    expect([...m.stateDict().keys()]).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
    expect(m.namedParameters().map(([p]) => p)).not.toContain('1.running_mean');
    expect(m.stateDict().get('1.num_batches_tracked')?.dtype).toBe('int32');
    m.dispose();
  });

  it('reports missing, unexpected and shape-mismatched keys together, and assigns nothing', () => {
    const m = encoder(1);
    const dict = new Map<string, tf.Tensor>([...m.stateDict()].map(([k, p]) => [k, p.value.clone()]));
    dict.get('layers.0.norm1.bias')?.dispose();
    dict.delete('layers.0.norm1.bias');
    dict.set('layers.0.extra.weight', tf.zeros([2]));
    dict.get('layers.1.linear1.weight')?.dispose();
    dict.set('layers.1.linear1.weight', tf.zeros([16, D]));
    dict.get('norm.weight')?.dispose();
    dict.set('norm.weight', tf.fill([D], 5));
    let message = '';
    try {
      m.loadStateDict(dict);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/missing keys \(1\):\s+layers\.0\.norm1\.bias/);
    expect(message).toMatch(/unexpected keys \(1\):\s+layers\.0\.extra\.weight/);
    expect(message).toContain(`layers.1.linear1.weight: file has [16,${D}], model expects [${D},16]`);
    // Nothing was assigned although norm.weight itself was fine.
    expect(m.getSubmodule('norm').namedOwnParameters()[0]?.[1].value.dataSync()[0]).toBe(1);
    tf.dispose([...dict.values()]);
    m.dispose();
  });
});
