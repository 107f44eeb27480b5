import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createPeftkit,
  getPeftModel,
  type PeftkitHost,
  PeftModel,
  readSafetensorsHeader,
  setSeed,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpConfig } from '../../models/mlp/config.js';
import { Mlp } from '../../models/mlp/mlp.js';
import { mlpPlacement } from '../../models/mlp/placement.js';
import plugin from '../../plugin.js';

let host: PeftkitHost;
let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  host = await createPeftkit({ plugins: [plugin], strict: true });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-feature-affine-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const mlp = () =>
  new Mlp(mlpConfig.parse({ in_features: 6, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1 }));
const rows = () => tf.randomNormal([5, 6], 0, 1, 'float32', 3);
const options = () => ({ placement: mlpPlacement, methods: host.peftMethods });

describe('FEATURE_AFFINE (contributed through the plugin host)', () => {
  it('adapts the embed role by default, starts as the identity and trains 2 * in parameters', () => {
    setSeed(1);
    const model = mlp();
    const x = rows();
    const before = model.call(x);
    const peft = getPeftModel(model, { peftType: 'FEATURE_AFFINE' }, options());
    expect(peft.targetsOf('default')).toEqual(['input']);
    expect(peft.getNbTrainableParameters().trainable).toBe(12);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(peft.call(x), before))).dataSync()[0])).toBe(0);
    tf.dispose([x, before]);
  });

  it('computes base(x * s + t); merge folds it into the weights and unmerge restores them exactly', () => {
    setSeed(2);
    const model = mlp();
    const peft = getPeftModel(model, { peftType: 'FEATURE_AFFINE' }, options());
    const state = peft.adapterStateDict('default');
    const s = tf.tensor1d([0.5, 2, 1, -1, 3, 0.25]);
    const t = tf.tensor1d([1, 0, -2, 0.5, 0, 3]);
    state.get('input.feature_scale')?.assign(s);
    state.get('input.feature_shift')?.assign(t);
    const x = rows();
    const adapted = peft.call(x);
    const reference = peft.disableAdapter(() => peft.call(tf.add(tf.mul(x, s), t)));
    const diff = (a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
    expect(diff(adapted, reference)).toBeLessThan(1e-5);
    const input = peft.model.getSubmodule('input.base_layer');
    const w0 = input.stateDict().get('weight')?.value.clone() as tf.Tensor;
    peft.merge();
    expect(diff(peft.call(x), adapted)).toBeLessThan(1e-4);
    peft.unmerge();
    expect(diff(input.stateDict().get('weight')?.value as tf.Tensor, w0)).toBe(0);
    tf.dispose([s, t, x, adapted, reference, w0]);
  });

  it('frees its pre-merge copies: mergeAndUnload, or dispose() while merged, leaves no tensor', () => {
    setSeed(4);
    const x = rows();
    const start = tf.memory().numTensors;
    for (const finish of ['mergeAndUnload', 'dispose while merged'] as const) {
      const peft = getPeftModel(mlp(), { peftType: 'FEATURE_AFFINE' }, options());
      const shift = tf.fill([6], 0.5);
      peft.adapterStateDict('default').get('input.feature_shift')?.assign(shift);
      shift.dispose();
      const adapted = peft.call(x);
      peft.merge();
      if (finish === 'mergeAndUnload') {
        const plain = peft.mergeAndUnload();
        expect(tf.tidy(() => tf.max(tf.abs(tf.sub(plain.call(x), adapted))).dataSync()[0])).toBeLessThan(
          1e-5,
        );
        plain.dispose();
      } else {
        peft.dispose();
      }
      adapted.dispose();
      expect(tf.memory().numTensors, finish).toBe(start);
    }
    x.dispose();
  });

  it('saves HF-style keys and loads back through the host', async () => {
    setSeed(3);
    const peft = getPeftModel(mlp(), { peftType: 'FEATURE_AFFINE', shift: false }, options());
    peft
      .adapterStateDict('default')
      .get('input.feature_scale')
      ?.assign(tf.fill([6], 1.5));
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    expect(header.entries.map((e) => [e.name, e.shape])).toEqual([
      ['base_model.model.input.feature_scale', [6]],
    ]);
    const config = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect([config.peft_type, config.target_modules, config.shift]).toEqual([
      'FEATURE_AFFINE',
      ['input'],
      false,
    ]);
    const loaded = await PeftModel.fromPretrained(mlp(), dir, options());
    const scale = loaded.adapterStateDict('default').get('input.feature_scale')?.value;
    expect(Array.from((scale as tf.Tensor).dataSync())).toEqual(new Array(6).fill(1.5));
    // The process-wide registry does not know the plugin's method.
    await expect(PeftModel.fromPretrained(mlp(), dir, { placement: mlpPlacement })).rejects.toThrow(
      /unknown peft type 'FEATURE_AFFINE'/,
    );
  });
});
