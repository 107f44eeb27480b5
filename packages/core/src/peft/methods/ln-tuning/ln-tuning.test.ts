import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../../io/index.js';
import { LayerNorm } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import { TinyBert, tinyBertPlacement } from '../../testing/tiny-bert.js';
import { ids, maxAbsDiff, sameValues, snapshot, trainSteps, values } from '../selective/test-helpers.js';
import { LnTuningLayer } from './layer.js';
import '../../index.js';

const L = 'encoder.layer';
const NORMS = [0, 1].flatMap((i) => [`${L}.${i}.attention.output.LayerNorm`, `${L}.${i}.output.LayerNorm`]);

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ln-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

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
    const losses = trainSteps(peft, 15, () => peft.call(x));
    expect(losses[14]).toBeLessThan(losses[0] as number);
    for (const [k, v] of baseSnap) {
      const key = k.replace(/LayerNorm\.(weight|bias)$/, 'LayerNorm.base_layer.$1');
      const now = peft.model.stateDict().get(key);
      expect(now, key).toBeDefined();
      expect(Array.from(now!.value.dataSync()), key).toEqual(Array.from(v));
    }
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
    expect(counts.trainable).toBe(
      peft.namedParameters({ trainableOnly: true }).reduce((n, [, p]) => n + p.size, 0),
    );
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
    trainSteps(peft, 5, () => peft.call(x));
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

  it('save -> load reproduces outputs exactly with HF keys <path>.ln_tuning_layers.<param>', async () => {
    setSeed(4);
    const peft = getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', modulesToSave: ['classifier'] });
    const x = ids();
    trainSteps(peft, 3, () => peft.call(x));
    const dir = path.join(tmp, 'save-load');
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const shapes = Object.fromEntries(header.entries.map((e) => [e.name, e.shape]));
    const expected: Record<string, number[]> = {
      'base_model.model.classifier.weight': [3, 8],
      'base_model.model.classifier.bias': [3],
    };
    for (const p of NORMS) {
      expected[`base_model.model.${p}.ln_tuning_layers.weight`] = [8];
      expected[`base_model.model.${p}.ln_tuning_layers.bias`] = [8];
    }
    expect(shapes).toEqual(expected);
    const cfg = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      peft_type: 'LN_TUNING',
      target_modules: NORMS,
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
    trainSteps(peft, 4, () => peft.call(x));
    peft.addAdapter('b', { peftType: 'LN_TUNING' });
    peft.setAdapter('b');
    // Not the same schedule as 'a': both start from the base norm, so equal training would tie them.
    trainSteps(peft, 2, () => peft.call(x), 0.1);
    const routed = peft.callWithAdapterNames(['a', 'b', '__base__'], x);
    peft.setAdapter('a');
    const ya = peft.call(x);
    peft.setAdapter('b');
    const yb = peft.call(x);
    const y0 = peft.disableAdapter(() => peft.call(x));
    const row = (t: tf.Tensor, i: number) => tf.slice(t, [i, 0], [1, -1]);
    expect(maxAbsDiff(row(routed, 0), row(ya, 0))).toBeLessThan(1e-6);
    expect(maxAbsDiff(row(routed, 1), row(yb, 1))).toBeLessThan(1e-6);
    expect(maxAbsDiff(row(routed, 2), row(y0, 2))).toBeLessThan(1e-6);
    expect(maxAbsDiff(ya, yb)).toBeGreaterThan(1e-4);
    peft.setAdapter(['a', 'b']);
    expect(() => peft.call(x)).toThrow(/LN_TUNING: 2 adapters are active \(a, b\)/);
    expect(() => peft.merge(['a', 'b'])).toThrow(/cannot merge 2 adapters/);
    peft.deleteAdapter('a');
    peft.deleteAdapter('b');
    expect(peft.model.getSubmodule(NORMS[0]!)).toBeInstanceOf(LayerNorm);
    tf.dispose([x, routed, ya, yb, y0]);
  });

  it('rejects bad input with errors that name the problem', () => {
    setSeed(6);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', targetModules: ['query'] })).toThrow(
      /LN_TUNING cannot wrap 'encoder.layer.0.attention.self.query' of type Linear; it wraps: LayerNorm, RMSNorm/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', targetModules: ['LayerNrom'] }),
    ).toThrow(/no module matched the targets \[LayerNrom\].*LayerNorm \(LayerNorm/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'LN_TUNING', rank: 4 })).toThrow(
      /LN_TUNING config/,
    );
    const peft = getPeftModel(new TinyBert(), { peftType: 'LN_TUNING' });
    expect(peft.model.getSubmodule(NORMS[0]!)).toBeInstanceOf(LnTuningLayer);
  });
});
