import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Parameter } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  changedKeys,
  ids,
  readAdapterConfig,
  readAdapterShapes,
  sameValues,
  snapshot,
  TinyBert,
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';

const isBias = (k: string) => k.endsWith('.bias');
const tmp = useCpuAndTmpDir('bitfit');

describe('BitFit', () => {
  it('leaves outputs unchanged at init, trains only biases, in place', () => {
    setSeed(1);
    const model = new TinyBert();
    const x = ids();
    const before = model.call(x);
    const snap0 = snapshot(model);
    const peft = getPeftModel(model, { peftType: 'BITFIT' });
    expect(sameValues(peft.call(x), before)).toBe(true);
    const losses = trainSteps(peft, 15, { x });
    expect(losses[14]).toBeLessThan(losses[0] as number);
    // Same tree (no wrappers): every bias moved, every other parameter is bit-identical.
    const snap1 = snapshot(peft.model);
    expect([...snap1.keys()]).toEqual([...snap0.keys()]);
    const moved = changedKeys(snap0, snap1);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every(isBias)).toBe(true);
    expect(moved.sort()).toEqual([...snap0.keys()].filter(isBias).sort());
    tf.dispose([x, before]);
  });

  it('trainable count is the number of bias scalars (all, or within the targets)', () => {
    setSeed(2);
    const model = new TinyBert();
    const { d, ffn, layers, classes } = model.dims;
    // Per layer: q, k, v, attention.output.dense (d each), both LayerNorm biases (d each),
    // intermediate.dense (ffn), output.dense (d); plus the classifier's.
    const all = layers * (4 * d + 2 * d + ffn + d) + classes;
    const peft = getPeftModel(model, { peftType: 'BITFIT' });
    const counts = peft.getNbTrainableParameters();
    expect(counts.trainable).toBe(all);
    expect(counts.trainable).toBe(trainableSize(peft));
    expect(counts.total).toBe(model.numParameters());
    const q = getPeftModel(new TinyBert(), { peftType: 'BITFIT', targetModules: ['query'] });
    expect(q.getNbTrainableParameters().trainable).toBe(layers * d);
    const layer1 = getPeftModel(
      new TinyBert(),
      { peftType: 'BITFIT', layersToTransform: [1] },
      {
        placement: tinyBertPlacement,
      },
    );
    expect(layer1.getNbTrainableParameters().trainable).toBe(4 * d + 2 * d + ffn + d);
    const norms = getPeftModel(
      new TinyBert(),
      { peftType: 'BITFIT', targetRoles: ['norm'] },
      {
        placement: tinyBertPlacement,
      },
    );
    expect(norms.getNbTrainableParameters().trainable).toBe(layers * 2 * d);
  });

  it('save -> load reproduces outputs exactly; keys are base_model.model.<path>.bias', async () => {
    setSeed(3);
    const peft = getPeftModel(new TinyBert(), { peftType: 'BITFIT' });
    const x = ids();
    trainSteps(peft, 3, { x });
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    const L = 'base_model.model.encoder.layer';
    expect(shapes[`${L}.0.attention.self.query.bias`]).toEqual([8]);
    expect(shapes[`${L}.1.attention.output.LayerNorm.bias`]).toEqual([8]);
    expect(shapes[`${L}.1.intermediate.dense.bias`]).toEqual([16]);
    expect(shapes['base_model.model.classifier.bias']).toEqual([3]);
    expect(Object.keys(shapes)).toHaveLength(2 * 8 + 1);
    expect(Object.keys(shapes).every((k) => k.startsWith('base_model.model.') && k.endsWith('.bias'))).toBe(
      true,
    );
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'BITFIT',
      keep_originals: true,
      inference_mode: true,
    });
    const want = peft.call(x);
    setSeed(3);
    const fresh = new TinyBert();
    const loaded = await PeftModel.fromPretrained(fresh, dir);
    expect(sameValues(loaded.call(x), want)).toBe(true);
    expect(loaded.getNbTrainableParameters().trainable).toBe(0);
    tf.dispose([x, want]);
  });

  it('disableAdapter, several adapters, delete and unload swap the right biases in and out', () => {
    setSeed(4);
    const model = new TinyBert();
    const x = ids();
    const base = model.call(x);
    const peft = getPeftModel(model, { peftType: 'BITFIT' }, { adapterName: 'a' });
    trainSteps(peft, 5, { x });
    const ya = peft.call(x);
    expect(sameValues(ya, base)).toBe(false);
    expect(
      sameValues(
        peft.disableAdapter(() => peft.call(x)),
        base,
      ),
    ).toBe(true);
    expect(sameValues(peft.call(x), ya)).toBe(true);

    // A second adapter starts from the original biases and trains separately.
    peft.addAdapter('b', { peftType: 'BITFIT', targetModules: ['query', 'value'] });
    peft.setAdapter('b');
    expect(sameValues(peft.call(x), base)).toBe(true);
    trainSteps(peft, 5, { x });
    const yb = peft.call(x);
    expect(sameValues(yb, base) || sameValues(yb, ya)).toBe(false);
    peft.setAdapter('a');
    expect(sameValues(peft.call(x), ya)).toBe(true);
    expect(() => peft.setAdapter(['a', 'b'])).toThrow(
      /only one in-place adapter \(BITFIT\/SELECTIVE\) can be active/,
    );
    expect(sameValues(peft.call(x), ya)).toBe(true);
    expect(() => peft.callWithAdapterNames(['a', '__base__', 'a'], x)).toThrow(
      /BITFIT adapter 'a' cannot be routed per example/,
    );
    // Deleting the loaded adapter puts the originals back; the other one is then loaded.
    peft.deleteAdapter('a');
    expect(peft.activeAdapters).toEqual(['b']);
    expect(sameValues(peft.call(x), yb)).toBe(true);
    const plain = peft.unload();
    expect(sameValues(plain.call(x), base)).toBe(true);
    tf.dispose([x, base, ya, yb]);
  });

  it('mergeAndUnload keeps the trained biases; keepOriginals: false refuses what needs the originals', () => {
    setSeed(5);
    const x = ids();
    const peft = getPeftModel(new TinyBert(), { peftType: 'BITFIT', keepOriginals: false });
    trainSteps(peft, 3, { x });
    const want = peft.call(x);
    expect(() => peft.disableAdapter(() => 0)).toThrow(/keepOriginals: false.*disableAdapter is impossible/);
    expect(() => peft.addAdapter('b', { peftType: 'BITFIT' })).toThrow(/created with keepOriginals: false/);
    expect(() => peft.unload()).toThrow(/unload\(\) is impossible; use mergeAndUnload/);
    expect(sameValues(peft.call(x), want)).toBe(true);
    const plain = peft.mergeAndUnload();
    expect(sameValues(plain.call(x), want)).toBe(true);
    expect(plain.parameters().every((p: Parameter) => p.trainable)).toBe(true);
    tf.dispose([x, want]);
  });

  it('dispose() frees the original biases and the stashes of inactive adapters', () => {
    setSeed(7);
    const x = ids();
    const start = tf.memory().numTensors;
    const peft = getPeftModel(new TinyBert(), { peftType: 'BITFIT' }, { adapterName: 'a' });
    trainSteps(peft, 2, { x });
    peft.addAdapter('b', { peftType: 'BITFIT', targetModules: ['query'] });
    peft.setAdapter('b');
    trainSteps(peft, 1, { x });
    peft.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });

  it('rejects bad input with errors that name the problem', () => {
    setSeed(6);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'BITFIT', targetModules: ['querry'] })).toThrow(
      /BITFIT: no module matched the targets \[querry\].*query \(Linear/,
    );
    // @ts-expect-error a wrong type on purpose: the run-time check is under test
    expect(() => getPeftModel(new TinyBert(), { peftType: 'BITFIT', keepOriginals: 'yes' })).toThrow(
      /keepOriginals/,
    );
    expect(() => getPeftModel(new TinyBert(), { peftType: 'BITFIT', targetModules: 'all-linear' })).toThrow(
      /targetModules: 'all-linear' is a tuner shorthand/,
    );
    // A targeted module without a bias.
    const model = new TinyBert();
    const noBias = getPeftModel(model, { peftType: 'SELECTIVE', trainableModules: ['classifier'] });
    expect(() => noBias.addAdapter('b', { peftType: 'BITFIT', targetModules: ['word_embeddings'] })).toThrow(
      /'embeddings.word_embeddings' \(Embedding\) has no bias parameter/,
    );
  });
});
