import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BatchNorm2d, LayerNorm } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  expectBaseUnchanged,
  expectRoutingMatchesEachAlone,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  sameValues,
  sineImages,
  snapshot,
  TinyBatchNormNet,
  TinyBert,
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
  values,
} from '../../testing/index.js';
import { LnTuningLayer } from './layer.js';
import '../../index.js';

const L = 'encoder.layer';
const NORMS = [0, 1].flatMap((i) => [`${L}.${i}.attention.output.LayerNorm`, `${L}.${i}.output.LayerNorm`]);

const tmp = useCpuAndTmpDir('ln');

describe('LN tuning', () => {
  it('is the identity at init; training changes only the norm copies', () => {
    setSeed(1);
    const model = new TinyBert();
    const x = ids();
    const before = model.call(x);
    const baseSnap = snapshot(model);
    const peft = getPeftModel(model, { peftType: 'LN_TUNING' }, { placement: tinyBertPlacement });
    expect(peft.targetsOf('default')).toEqual(NORMS);
    expect(sameValues(peft.call(x), before)).toBe(true);
    const losses = trainSteps(peft, 15, { x });
    expect(losses[14]).toBeLessThan(losses[0] as number);
    expectBaseUnchanged(peft.model, baseSnap, (k) =>
      k.replace(/LayerNorm\.(weight|bias)$/, 'LayerNorm.base_layer.$1'),
    );
    const copy = peft.model.getSubmodule(`${NORMS[0]}.ln_tuning_layers.default`) as LayerNorm;
    const orig = peft.model.getSubmodule(`${NORMS[0]}.base_layer`) as LayerNorm;
    expect(maxAbsDiff(copy.weight!.value, orig.weight!.value)).toBeGreaterThan(0);
    expect(
      sameValues(
        peft.disableAdapter(() => peft.call(x)),
        before,
      ),
    ).toBe(true);
    tf.dispose([x, before]);
  });

  it('trainable count is 2 * d per norm; default targets without a placement are all norm modules', () => {
    setSeed(2);
    const model = new TinyBert();
    const peft = getPeftModel(model, { peftType: 'LN_TUNING' });
    expect(peft.targetsOf('default')).toEqual(NORMS);
    const counts = peft.getNbTrainableParameters();
    expect(counts.trainable).toBe(NORMS.length * 2 * model.dims.d);
    expect(counts.trainable).toBe(trainableSize(peft));
    const one = getPeftModel(new TinyBert(), {
      peftType: 'LN_TUNING',
      targetModules: ['output.LayerNorm'],
      layersToTransform: [0],
    });
    expect(one.targetsOf('default')).toEqual([
      `${L}.0.attention.output.LayerNorm`,
      `${L}.0.output.LayerNorm`,
    ]);
  });

  it('merge equals unmerged; unmerge restores the base exactly; mergeAndUnload gives a plain model', () => {
    setSeed(3);
    const peft = getPeftModel(new TinyBert(), { peftType: 'LN_TUNING' });
    const x = ids();
    trainSteps(peft, 5, { x });
    const base = NORMS.flatMap((p) => (peft.model.getSubmodule(`${p}.base_layer`) as LayerNorm).parameters());
    const w0 = values(base);
    const unmerged = peft.call(x);
    peft.merge();
    expect(values(base)).not.toEqual(w0);
    expect(maxAbsDiff(peft.call(x), unmerged)).toBeLessThan(1e-5);
    peft.unmerge();
    expect(values(base)).toEqual(w0);
    const plain = peft.mergeAndUnload();
    expect(plain.getSubmodule(NORMS[0]!)).toBeInstanceOf(LayerNorm);
    expect(maxAbsDiff(plain.call(x), unmerged)).toBeLessThan(1e-5);
    tf.dispose([x, unmerged]);
  });

  it('on a BatchNorm: mergeAndUnload and unload free the copy with its running statistics', () => {
    setSeed(8);
    const x = sineImages();
    const start = tf.memory().numTensors;
    for (const finish of ['mergeAndUnload', 'unload'] as const) {
      const peft = getPeftModel(new TinyBatchNormNet().eval(), { peftType: 'LN_TUNING' });
      expect(peft.targetsOf('default')).toEqual(['bn']);
      peft.train();
      trainSteps(peft, 2, { x });
      peft.eval();
      const copy = (peft.model.getSubmodule('bn') as LnTuningLayer).copyFor('default') as BatchNorm2d;
      // Train mode moved the copy's statistics: they are adapter state beside its weight and bias.
      expect(copy.numBatchesTracked?.value.dataSync()[0]).toBe(2);
      const adapted = peft.call(x);
      const plain = peft[finish]();
      expect(plain.getSubmodule('bn')).toBeInstanceOf(BatchNorm2d);
      if (finish === 'mergeAndUnload')
        expect(tf.tidy(() => maxAbsDiff(plain.call(x), adapted))).toBeLessThan(1e-5);
      adapted.dispose();
      plain.dispose();
      expect(tf.memory().numTensors, finish).toBe(start);
    }
    x.dispose();
  });

  it('save -> load reproduces outputs exactly with HF keys <path>.ln_tuning_layers.<param>', async () => {
    setSeed(4);
    const peft = getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', modulesToSave: ['classifier'] });
    const x = ids();
    trainSteps(peft, 3, { x });
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    const expected: Record<string, number[]> = {
      'base_model.model.classifier.weight': [3, 8],
      'base_model.model.classifier.bias': [3],
    };
    for (const p of NORMS) {
      expected[`base_model.model.${p}.ln_tuning_layers.weight`] = [8];
      expected[`base_model.model.${p}.ln_tuning_layers.bias`] = [8];
    }
    expect(shapes).toEqual(expected);
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'LN_TUNING',
      // The four norms are exactly the modules named LayerNorm, so the short HF form is written.
      target_modules: ['LayerNorm'],
      modules_to_save: ['classifier'],
    });
    const want = peft.call(x);
    setSeed(4);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir);
    expect(sameValues(loaded.call(x), want)).toBe(true);
    tf.dispose([x, want]);
  });

  it('two adapters: per-example routing equals running each alone; both active at once is refused', () => {
    setSeed(5);
    const peft = getPeftModel(new TinyBert(), { peftType: 'LN_TUNING' }, { adapterName: 'a' });
    const x = ids();
    trainSteps(peft, 4, { x });
    peft.addAdapter('b', { peftType: 'LN_TUNING' });
    peft.setAdapter('b');
    // Not the same schedule as 'a': both start from the base norm, so equal training would tie them.
    trainSteps(peft, 2, { x, lr: 0.1 });
    expectRoutingMatchesEachAlone(peft, ['a', 'b', '__base__']);
    peft.setAdapter(['a', 'b']);
    expect(() => peft.call(x)).toThrow(/LN_TUNING: 2 adapters are active \(a, b\)/);
    expect(() => peft.merge(['a', 'b'])).toThrow(/cannot merge 2 adapters/);
    peft.deleteAdapter('a');
    peft.deleteAdapter('b');
    expect(peft.model.getSubmodule(NORMS[0]!)).toBeInstanceOf(LayerNorm);
    x.dispose();
  });

  it('rejects bad input with errors that name the problem', () => {
    setSeed(6);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', targetModules: ['query'] })).toThrow(
      /LN_TUNING cannot wrap 'encoder.layer.0.attention.self.query' of type Linear; it wraps: LayerNorm, RMSNorm/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', targetModules: ['LayerNrom'] }),
    ).toThrow(/no module matched the targets \[LayerNrom\].*LayerNorm \(LayerNorm/);
    // @ts-expect-error an unknown field on purpose: the run-time check is under test
    expect(() => getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', rank: 4 })).toThrow(
      /LN_TUNING config/,
    );
    const peft = getPeftModel(new TinyBert(), { peftType: 'LN_TUNING' });
    expect(peft.model.getSubmodule(NORMS[0]!)).toBeInstanceOf(LnTuningLayer);
  });
});
