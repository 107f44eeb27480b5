import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { BatchNorm2d, Linear } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getModelState } from '../../model-state.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  changedKeys,
  ids,
  readAdapterConfig,
  readAdapterShapes,
  sameValues,
  sineImages,
  snapshot,
  TinyBatchNormNet,
  TinyBert,
  tinyBertPlacement,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import { FULL_FINE_TUNING } from './config.js';
import '../../index.js';

const tmp = useCpuAndTmpDir('selective');

describe('SELECTIVE / full fine-tuning', () => {
  it("'full' trains every parameter in place: trainable = total = the model's size", () => {
    setSeed(1);
    const model = new TinyBert();
    const x = ids();
    const base = model.call(x);
    const snap0 = snapshot(model);
    const peft = getPeftModel(model, FULL_FINE_TUNING);
    const size = model.numParameters();
    expect(peft.getNbTrainableParameters()).toEqual({ trainable: size, total: size });
    expect(sameValues(peft.call(x), base)).toBe(true);
    const losses = trainSteps(peft, 10, { x, lr: 0.02 });
    expect(losses[9]).toBeLessThan(losses[0] as number);
    const snap1 = snapshot(peft.model);
    expect([...snap1.keys()]).toEqual([...snap0.keys()]);
    // Every parameter that takes part in the loss moved (all of TinyBert's do).
    expect(changedKeys(snap0, snap1).sort()).toEqual([...snap0.keys()].sort());
    const trained = peft.call(x);
    expect(
      sameValues(
        peft.disableAdapter(() => peft.call(x)),
        base,
      ),
    ).toBe(true);
    expect(sameValues(peft.call(x), trained)).toBe(true);
    const plain = peft.mergeAndUnload();
    expect(sameValues(plain.call(x), trained)).toBe(true);
    tf.dispose([x, base, trained]);
  });

  it('named modules, regexes, roles and layers select exactly their parameters', () => {
    setSeed(2);
    const { d, ffn, classes } = new TinyBert().dims;
    const count = (cfg: Record<string, unknown>) =>
      getPeftModel(
        new TinyBert(),
        { peftType: 'SELECTIVE', ...cfg },
        { placement: tinyBertPlacement },
      ).getNbTrainableParameters().trainable;
    const head = d * classes + classes;
    const layerNorms = 2 * 2 * (2 * d);
    expect(count({ trainableModules: ['classifier'] })).toBe(head);
    expect(count({ trainableModules: ['classifier'], targetRoles: ['norm'] })).toBe(head + layerNorms);
    // One whole encoder layer, by regex and by layersToTransform on the block role.
    const block = 4 * (d * d + d) + 2 * 2 * d + (d * ffn + ffn) + (ffn * d + d);
    expect(count({ trainableModules: 'encoder\\.layer\\.1' })).toBe(block);
    expect(count({ targetRoles: ['block'], layersToTransform: [1] })).toBe(block);
    // targetModules (how loading re-targets) is unioned with trainableModules.
    expect(count({ trainableModules: ['classifier'], targetModules: ['query'] })).toBe(
      head + 2 * (d * d + d),
    );
  });

  it('training changes only the selected parameters; the others stay bit-identical', () => {
    setSeed(3);
    const model = new TinyBert();
    const snap0 = snapshot(model);
    const peft = getPeftModel(model, {
      peftType: 'SELECTIVE',
      trainableModules: ['classifier', 'output.dense'],
    });
    const x = ids();
    const losses = trainSteps(peft, 10, { x });
    expect(losses[9]).toBeLessThan(losses[0] as number);
    const moved = changedKeys(snap0, snapshot(peft.model)).sort();
    expect(moved).toEqual(
      [
        'classifier.bias',
        'classifier.weight',
        'encoder.layer.0.attention.output.dense.bias',
        'encoder.layer.0.attention.output.dense.weight',
        'encoder.layer.0.output.dense.bias',
        'encoder.layer.0.output.dense.weight',
        'encoder.layer.1.attention.output.dense.bias',
        'encoder.layer.1.attention.output.dense.weight',
        'encoder.layer.1.output.dense.bias',
        'encoder.layer.1.output.dense.weight',
      ].sort(),
    );
    x.dispose();
  });

  it('save -> load writes the trained values into the base, in PyTorch layout', async () => {
    setSeed(4);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'SELECTIVE',
      trainableModules: ['classifier', 'query'],
    });
    const x = ids();
    trainSteps(peft, 3, { x });
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    expect(await readAdapterShapes(dir)).toEqual({
      'base_model.model.classifier.weight': [3, 8],
      'base_model.model.classifier.bias': [3],
      'base_model.model.encoder.layer.0.attention.self.query.weight': [8, 8],
      'base_model.model.encoder.layer.0.attention.self.query.bias': [8],
      'base_model.model.encoder.layer.1.attention.self.query.weight': [8, 8],
      'base_model.model.encoder.layer.1.attention.self.query.bias': [8],
    });
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'SELECTIVE',
      trainable_modules: ['classifier', 'query'],
    });
    const want = peft.call(x);
    setSeed(4);
    const fresh = new TinyBert();
    const loaded = await PeftModel.fromPretrained(fresh, dir);
    expect(sameValues(loaded.call(x), want)).toBe(true);
    // The file holds [out, in]; memory holds [in, out].
    const w = (loaded.model.getSubmodule('classifier') as Linear).weight;
    expect(w.shape).toEqual([8, 3]);
    // 'full' round-trips too.
    const full = getPeftModel(new TinyBert(), FULL_FINE_TUNING);
    trainSteps(full, 2, { x, lr: 0.02 });
    const fullDir = tmp('full');
    await full.savePretrained(fullDir);
    const fullWant = full.call(x);
    const fullLoaded = await PeftModel.fromPretrained(new TinyBert(), fullDir);
    expect(sameValues(fullLoaded.call(x), fullWant)).toBe(true);
    tf.dispose([x, want, fullWant]);
  });

  it('lives beside a LoRA adapter: switching swaps the in-place values honestly', () => {
    setSeed(5);
    const model = new TinyBert();
    const x = ids();
    const base = model.call(x);
    const peft = getPeftModel(
      model,
      { peftType: 'SELECTIVE', trainableModules: ['classifier'] },
      { adapterName: 'sel' },
    );
    trainSteps(peft, 3, { x });
    const ySel = peft.call(x);
    peft.addAdapter('lora', { peftType: 'LORA', r: 2, targetModules: ['query'] });
    peft.setAdapter('lora');
    // LoRA B starts at zero and the classifier is back to its original values: the base output.
    expect(sameValues(peft.call(x), base)).toBe(true);
    peft.setAdapter(['lora', 'sel']);
    expect(sameValues(peft.call(x), ySel)).toBe(true);
    peft.addAdapter('bit', { peftType: 'BITFIT', targetModules: ['classifier'] });
    expect(() => peft.setAdapter(['sel', 'bit'])).toThrow(/only one in-place adapter/);
    expect(peft.activeAdapters).toEqual(['lora', 'sel']);
    tf.dispose([x, base, ySel]);
  });

  it('keeps its bookkeeping on the adapted model, not in a module-level map', () => {
    setSeed(7);
    const key = Symbol.for('peftkit.in-place-state');
    const a = getPeftModel(new TinyBert(), { peftType: 'SELECTIVE', trainableModules: ['classifier'] });
    const b = getPeftModel(new TinyBert(), { peftType: 'BITFIT' });
    const stateOf = (m: PeftModel) =>
      getModelState<{ adapters: Map<string, { method: string }> }>(m.model, key);
    expect([...(stateOf(a)?.adapters.values() ?? [])].map((r) => r.method)).toEqual(['SELECTIVE']);
    expect([...(stateOf(b)?.adapters.values() ?? [])].map((r) => r.method)).toEqual(['BITFIT']);
    // Not an enumerable field: a clone of the model (fresh parameters) does not share it.
    expect(getModelState(a.model.clone(), key)).toBeUndefined();
    const plain = a.unload();
    expect(getModelState(plain, key)).toBeUndefined();
    expect(stateOf(b)?.adapters.size).toBe(1);
  });

  it('dispose() frees the originals and stashes it keeps outside the module tree', () => {
    setSeed(8);
    const x = ids();
    const start = tf.memory().numTensors;
    const peft = getPeftModel(new TinyBert(), FULL_FINE_TUNING, { adapterName: 'a' });
    trainSteps(peft, 2, { x, lr: 0.02 });
    // A second adapter over some of the same parameters: switching stashes 'a''s values.
    peft.addAdapter('b', { peftType: 'SELECTIVE', trainableModules: ['classifier'] });
    peft.setAdapter('b');
    trainSteps(peft, 1, { x });
    peft.disableAdapter(() => undefined);
    // The tree holds the model's tensors once; originals and the stash come on top of it.
    expect(tf.memory().numTensors).toBeGreaterThan(start + peft.stateDict().size);
    peft.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });

  it('full fine-tuning owns the BatchNorm running statistics: restored when disabled, saved, reloaded', async () => {
    setSeed(9);
    const x = sineImages();
    const start = tf.memory().numTensors;
    const model = new TinyBatchNormNet().eval();
    const base = model.call(x);
    const peft = getPeftModel(model, FULL_FINE_TUNING);
    const bn = () => peft.model.getSubmodule('bn') as BatchNorm2d;
    const stats0 = snapshot(bn());
    const counts: number[] = [];
    peft.train();
    trainSteps(peft, 3, { x, onStep: () => counts.push(tf.memory().numTensors) });
    peft.eval();
    expect(new Set(counts).size).toBe(1);
    // Train mode moved the statistics, which are never trainable.
    expect(changedKeys(stats0, snapshot(bn())).sort()).toEqual(
      ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight'].sort(),
    );
    expect(bn().runningMean?.trainable).toBe(false);
    const trained = peft.call(x);
    // disableAdapter puts the original statistics back, then the trained ones.
    const same = (m: PeftModel, want: tf.Tensor) => tf.tidy(() => sameValues(m.call(x) as tf.Tensor, want));
    peft.disableAdapter(() => {
      expect(changedKeys(stats0, snapshot(bn()))).toEqual([]);
      expect(same(peft, base)).toBe(true);
    });
    expect(same(peft, trained)).toBe(true);
    const dir = tmp('batch-norm');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    for (const k of ['running_mean', 'running_var', 'num_batches_tracked'])
      expect(shapes).toHaveProperty(`base_model.model.bn.${k}`);
    setSeed(9);
    const loaded = await PeftModel.fromPretrained(new TinyBatchNormNet().eval(), dir);
    expect(same(loaded, trained)).toBe(true);
    tf.dispose([base, trained]);
    peft.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });

  it('rejects bad input with errors that name the problem', () => {
    setSeed(6);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'SELECTIVE' })).toThrow(
      /trainableModules: give module names, a regex or 'full'/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), {
        peftType: 'SELECTIVE',
        trainableModules: 'full',
        targetRoles: ['norm'],
      }),
    ).toThrow(/targetRoles: cannot be combined with trainableModules: 'full'/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'SELECTIVE', trainableModules: [] })).toThrow(
      /trainableModules/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'SELECTIVE', trainableModules: ['clasifier'] }),
    ).toThrow(/SELECTIVE: no module matched the targets \[clasifier\].*classifier \(Linear/);
    const full = getPeftModel(new TinyBert(), { ...FULL_FINE_TUNING, keepOriginals: false });
    expect(() => full.disableAdapter(() => 0)).toThrow(/keepOriginals: false/);
    expect(() => full.deleteAdapter('default')).toThrow(/deleteAdapter is impossible/);
  });
});
