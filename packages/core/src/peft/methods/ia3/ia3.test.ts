import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Conv2d, Linear, Module } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import type { AdapterParameterDict } from '../../adapter-layer.js';
import { getPeftModel, type PeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  baseLayerKey,
  expectBaseUnchanged,
  expectReloadsExactly,
  expectRoutingMatchesEachAlone,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  TinyBert,
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import type { Ia3Layer } from './layer.js';

const placement = { placement: tinyBertPlacement };
const tmp = useCpuAndTmpDir('ia3');

function vector(peft: PeftModel, layerPath: string, name = 'default'): tf.Variable {
  return (peft.model.getSubmodule(`${layerPath}.ia3_l`) as AdapterParameterDict).get(name).value;
}

/** Three convolutions, one per weight layout IA3 merges into: dense, depthwise and grouped. */
class ConvNet extends Module<[tf.Tensor], tf.Tensor> {
  constructor() {
    super();
    this.registerModule('conv', new Conv2d(4, 6, 3, { padding: 1 }));
    this.registerModule('dw', new Conv2d(6, 12, 3, { padding: 1, groups: 6 }));
    this.registerModule('grp', new Conv2d(12, 8, 1, { groups: 2 }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const a = tf.relu(this.child('conv').forward(x));
    return this.child('grp').forward(tf.relu(this.child('dw').forward(a)));
  }
}

describe('IA3', () => {
  it('defaults to attn.k, attn.v and ffn.down (feed-forward) from the placement; identity at init; trains only vectors', () => {
    setSeed(1);
    const { peft, baseSnap } = adaptAndExpectUnchanged(
      new TinyBert(),
      { peftType: 'IA3', modulesToSave: ['classifier'] },
      placement,
    );
    expect(peft.targetsOf('default')).toEqual([
      'encoder.layer.0.attention.self.key',
      'encoder.layer.0.attention.self.value',
      'encoder.layer.0.output.dense',
      'encoder.layer.1.attention.self.key',
      'encoder.layer.1.attention.self.value',
      'encoder.layer.1.output.dense',
    ]);
    const key = peft.model.getSubmodule('encoder.layer.0.attention.self.key') as Ia3Layer;
    const down = peft.model.getSubmodule('encoder.layer.1.output.dense') as Ia3Layer;
    expect(key.isFeedforward('default')).toBe(false);
    expect(down.isFeedforward('default')).toBe(true);

    const losses = trainSteps(peft, 30);
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.8);
    expectBaseUnchanged(peft.model, baseSnap, baseLayerKey([...peft.targetsOf('default'), 'classifier']));
    const moved = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(vector(peft, 'encoder.layer.0.attention.self.key'), 1))),
    );
    expect(moved.dataSync()[0]).toBeGreaterThan(0);
    moved.dispose();
  });

  it('rescales the output ([out,1]) or, feed-forward, the input ([1,in]) exactly as the closed form', () => {
    setSeed(2);
    const model = new TinyBert();
    const peft = getPeftModel(model, {
      peftType: 'IA3',
      targetModules: ['query', 'intermediate.dense'],
      feedforwardModules: ['intermediate.dense'],
      initIa3Weights: false,
    });
    const q = peft.model.getSubmodule('encoder.layer.0.attention.self.query') as Ia3Layer;
    const up = peft.model.getSubmodule('encoder.layer.0.intermediate.dense') as Ia3Layer;
    const h = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 5);
    const lq = vector(peft, 'encoder.layer.0.attention.self.query');
    const lu = vector(peft, 'encoder.layer.0.intermediate.dense');
    expect(lq.shape).toEqual([8, 1]);
    expect(lu.shape).toEqual([1, 8]);
    const wq = (q.base as Linear).weight.value;
    const bq = (q.base as Linear).bias!.value;
    const wu = (up.base as Linear).weight.value;
    const bu = (up.base as Linear).bias!.value;
    const flat = tf.reshape(h, [6, 8]);
    const wantQ = tf.tidy(() => tf.mul(tf.add(tf.matMul(flat, wq), bq), tf.reshape(lq, [1, 8])));
    const wantU = tf.tidy(() => tf.add(tf.matMul(tf.mul(flat, tf.reshape(lu, [1, 8])), wu), bu));
    const gotQ = q.call(h);
    const gotU = up.call(h);
    expect(maxAbsDiff(tf.reshape(gotQ, [6, 8]), wantQ)).toBeLessThan(1e-5);
    expect(maxAbsDiff(tf.reshape(gotU, [6, 16]), wantU)).toBeLessThan(1e-5);
    tf.dispose([h, flat, wantQ, wantU, gotQ, gotU]);
  });

  it('trainable count equals out per output-scaled target plus in per feed-forward target', () => {
    setSeed(3);
    const model = new TinyBert();
    const { d, ffn, layers, classes } = model.dims;
    const peft = getPeftModel(model, { peftType: 'IA3', modulesToSave: ['classifier'] }, placement);
    const expected = layers * (d + d + ffn) + (d * classes + classes);
    const counts = peft.getNbTrainableParameters();
    expect(counts.trainable).toBe(expected);
    expect(counts.trainable).toBe(trainableSize(peft));
  });

  it('merge equals unmerged output; unmerge restores weights and biases; mergeAndUnload is a plain model', () => {
    setSeed(4);
    const model = new TinyBert();
    const peft = getPeftModel(
      model,
      { peftType: 'IA3', initIa3Weights: false },
      { ...placement, adapterName: 'a' },
    );
    peft.addAdapter('b', { peftType: 'IA3', targetModules: ['key', 'query'], initIa3Weights: false });
    peft.setAdapter(['a', 'b']);
    const x = ids();
    const key = peft.model.getSubmodule('encoder.layer.1.attention.self.key.base_layer') as Linear;
    const down = peft.model.getSubmodule('encoder.layer.1.output.dense.base_layer') as Linear;
    const saved = [key.weight, key.bias!, down.weight, down.bias!].map((p) => p.value.clone());
    const unmerged = peft.call(x);
    peft.merge(undefined, { safeMerge: true });
    expect(maxAbsDiff(key.weight.value, saved[0]!)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(key.bias!.value, saved[1]!)).toBeGreaterThan(1e-3);
    // Feed-forward scaling reads the input: the bias is not touched.
    expect(maxAbsDiff(down.bias!.value, saved[3]!)).toBe(0);
    const merged = peft.call(x);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
    peft.unmerge();
    [key.weight, key.bias!, down.weight, down.bias!].forEach((p, i) => {
      expect(maxAbsDiff(p.value, saved[i]!)).toBeLessThan(1e-6);
    });
    const plain = peft.mergeAndUnload();
    expect(plain.hasSubmodule('encoder.layer.0.attention.self.key.ia3_l')).toBe(false);
    const fromPlain = plain.call(x) as tf.Tensor;
    expect(maxAbsDiff(fromPlain, unmerged)).toBeLessThan(1e-5);
    tf.dispose([x, unmerged, merged, fromPlain, ...saved]);
  });

  it('unmerge restores the weight exactly when a vector has zero entries', () => {
    setSeed(5);
    const peft = getPeftModel(new TinyBert(), { peftType: 'IA3', targetModules: ['value'] });
    const l = vector(peft, 'encoder.layer.0.attention.self.value');
    l.assign(tf.tensor2d([0, 1, 2, 0, 1, 1, 0.5, 1], [8, 1]));
    const base = peft.model.getSubmodule('encoder.layer.0.attention.self.value.base_layer') as Linear;
    const w0 = base.weight.value.clone();
    const b0 = base.bias!.value.clone();
    peft.merge();
    peft.unmerge();
    expect(Array.from(base.weight.value.dataSync())).toEqual(Array.from(w0.dataSync()));
    expect(Array.from(base.bias!.value.dataSync())).toEqual(Array.from(b0.dataSync()));
    tf.dispose([w0, b0]);
  });

  it('Conv2d (dense, depthwise, grouped): vectors [1,c,1,1]; merge equals unmerged for output and input scaling', () => {
    for (const ff of [false, true]) {
      setSeed(6);
      const net = new ConvNet();
      const peft = getPeftModel(net, {
        peftType: 'IA3',
        targetModules: ['conv', 'dw', 'grp'],
        feedforwardModules: ff ? ['conv', 'dw', 'grp'] : [],
        initIa3Weights: false,
      });
      expect(vector(peft, 'dw').shape).toEqual(ff ? [1, 6, 1, 1] : [1, 12, 1, 1]);
      const x = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 7);
      const unmerged = peft.call(x);
      const base = peft.disableAdapter(() => peft.call(x));
      expect(maxAbsDiff(unmerged, base)).toBeGreaterThan(1e-3);
      peft.merge();
      const merged = peft.call(x);
      expect(maxAbsDiff(merged, unmerged), `ff=${ff}`).toBeLessThan(1e-4);
      peft.unmerge();
      const again = peft.call(x);
      expect(maxAbsDiff(again, unmerged), `ff=${ff}`).toBeLessThan(1e-5);
      tf.dispose([x, unmerged, base, merged, again]);
    }
  });

  it('save -> load reproduces outputs exactly; HF keys, shapes and a self-sufficient adapter_config.json', async () => {
    setSeed(8);
    const peft = getPeftModel(new TinyBert(), { peftType: 'IA3', modulesToSave: ['classifier'] }, placement);
    trainSteps(peft, 3);
    const dir = tmp('default-roles');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    // Fixture: HF PEFT's IA3 keys (adapter name removed) and shapes for the tiny BERT (d=8, ffn=16).
    const p = 'base_model.model.encoder.layer';
    expect(shapes).toEqual({
      [`${p}.0.attention.self.key.ia3_l`]: [8, 1],
      [`${p}.0.attention.self.value.ia3_l`]: [8, 1],
      [`${p}.0.output.dense.ia3_l`]: [1, 16],
      [`${p}.1.attention.self.key.ia3_l`]: [8, 1],
      [`${p}.1.attention.self.value.ia3_l`]: [8, 1],
      [`${p}.1.output.dense.ia3_l`]: [1, 16],
      'base_model.model.classifier.weight': [3, 8],
      'base_model.model.classifier.bias': [3],
    });
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'IA3',
      target_modules: peft.targetsOf('default'),
      feedforward_modules: ['encoder.layer.0.output.dense', 'encoder.layer.1.output.dense'],
      fan_in_fan_out: false,
      init_ia3_weights: true,
      modules_to_save: ['classifier'],
    });

    const reloaded = await expectReloadsExactly(peft, dir, 8);
    const down = reloaded.model.getSubmodule('encoder.layer.0.output.dense') as Ia3Layer;
    expect(down.isFeedforward('default')).toBe(true);
    // Without peftkit's sidecar (as a file written by HF PEFT), adapter_config.json alone suffices.
    await fs.rm(path.join(dir, 'peftkit.json'));
    await expectReloadsExactly(peft, dir, 8);
  });

  it("keeps the user's plain lists in the file (HF semantics: 'output.dense' also matches attention.output.dense)", async () => {
    setSeed(9);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'IA3',
      targetModules: ['key', 'value', 'output.dense'],
      feedforwardModules: ['output.dense'],
    });
    expect(peft.targetsOf('default')).toContain('encoder.layer.0.attention.output.dense');
    expect(
      (peft.model.getSubmodule('encoder.layer.0.attention.output.dense') as Ia3Layer).isFeedforward(
        'default',
      ),
    ).toBe(true);
    const dir = tmp('plain');
    await peft.savePretrained(dir);
    const cfg = await readAdapterConfig(dir);
    expect(cfg.target_modules).toEqual(['key', 'value', 'output.dense']);
    expect(cfg.feedforward_modules).toEqual(['output.dense']);
    const shapes = await readAdapterShapes(dir);
    expect(shapes['base_model.model.encoder.layer.0.attention.output.dense.ia3_l']).toEqual([1, 8]);
    // Targets without feed-forward modules: the file says so explicitly (HF would otherwise use its BERT default).
    const noFf = getPeftModel(new TinyBert(), { peftType: 'IA3', targetModules: ['key'] });
    await noFf.savePretrained(tmp('no-ff'));
    expect((await readAdapterConfig(tmp('no-ff'))).feedforward_modules).toEqual([]);
  });

  it('two adapters: per-example routing equals running each alone; __base__ equals disabled', () => {
    setSeed(10);
    const peft = getPeftModel(new TinyBert(), { peftType: 'IA3' }, { ...placement, adapterName: 'a' });
    trainSteps(peft, 4);
    peft.addAdapter('b', {
      peftType: 'IA3',
      targetRoles: ['attn.q', 'attn.k', 'ffn.up'],
      feedforwardModules: ['ffn.up'],
    });
    peft.setAdapter('b');
    trainSteps(peft, 4);
    expectRoutingMatchesEachAlone(peft, ['a', 'b', '__base__']);
  });

  it('rejects bad input with errors that name the problem', () => {
    expect(() =>
      getPeftModel(new TinyBert(), {
        peftType: 'IA3',
        targetModules: ['key', 'value'],
        feedforwardModules: ['output.dense'],
      }),
    ).toThrow(/feedforwardModules: \[output\.dense\] is not among the targets/);
    expect(() =>
      getPeftModel(new TinyBert(), {
        peftType: 'IA3',
        targetModules: 'encoder\\.layer\\.\\d\\.attention\\.self\\.(key|value)',
        feedforwardModules: '.*output\\.dense',
      }),
    ).toThrow(/feedforwardModules \[\.\*output\\\.dense\] matched none of the adapted modules/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'IA3', feedforwardModules: '(' })).toThrow(
      /feedforwardModules: not a valid regular expression/,
    );
    expect(() =>
      // @ts-expect-error a wrong type on purpose: the run-time check is under test
      getPeftModel(new TinyBert(), { peftType: 'IA3', targetModules: ['key'], initIa3Weights: 'yes' }),
    ).toThrow(/initIa3Weights/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'IA3' })).toThrow(
      /IA3: no targets given and the model has no placement.*set targetModules/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'IA3', targetModules: ['word_embeddings'] }),
    ).toThrow(/cannot wrap 'embeddings\.word_embeddings' of type Embedding; it wraps: Linear, Conv2d/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'IA3', targetModules: ['kee'] })).toThrow(
      /no module matched.*key \(Linear/,
    );
    // A bad config leaves the model untouched.
    const model = new TinyBert();
    expect(() =>
      getPeftModel(model, { peftType: 'IA3', targetModules: ['key'], feedforwardModules: 'value' }),
    ).toThrow(/matched none/);
    expect(model.getSubmodule('encoder.layer.0.attention.self.key')).toBeInstanceOf(Linear);
  });
});
