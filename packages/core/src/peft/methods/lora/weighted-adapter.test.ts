import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  ids,
  maxAbsDiff,
  normalImages,
  TinyBert,
  TinyConvSeqNet,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import type { LoraLayer } from './layer-common.js';
import { matrixFromTensor, reconstruct, svdJacobi } from './svd.js';

const tmp = useCpuAndTmpDir('lora-mix');

const TARGETS = ['query', 'value', 'word_embeddings'];
const PATHS = [
  'encoder.layer.0.attention.self.query',
  'encoder.layer.1.attention.self.value',
  'embeddings.word_embeddings',
];

/** Two random (non-identity) adapters with different scalings on a TinyBert. */
function twoAdapters(rB = 2, extra: Record<string, unknown> = {}): PeftModel<[tf.Tensor], tf.Tensor> {
  setSeed(71);
  const peft = getPeftModel(
    new TinyBert(),
    { peftType: 'LORA', r: 2, loraAlpha: 4, initLoraWeights: false, targetModules: TARGETS },
    { adapterName: 'a' },
  );
  peft.addAdapter('b', {
    peftType: 'LORA',
    r: rB,
    loraAlpha: 8,
    initLoraWeights: false,
    targetModules: TARGETS,
    ...extra,
  });
  return peft;
}

const delta = (peft: PeftModel, p: string, name: string) =>
  (peft.model.getSubmodule(p) as LoraLayer).deltaWeight(name) as tf.Tensor;

/** `sum w_i * delta_i` at one layer. */
function weightedDelta(peft: PeftModel, p: string, ws: [number, number]): tf.Tensor {
  const da = delta(peft, p, 'a');
  const db = delta(peft, p, 'b');
  const out = tf.tidy(() => tf.add(tf.mul(da, ws[0]), tf.mul(db, ws[1])));
  tf.dispose([da, db]);
  return out;
}

describe('addWeightedAdapter (LoRA)', () => {
  it("'linear' with weights [1, 0] equals adapter a; follows HF's sqrt(weight * scaling) formula", () => {
    const peft = twoAdapters();
    peft.addWeightedAdapter(['a', 'b'], [1, 0], 'lin', 'linear');
    expect(peft.activeAdapters).toEqual(['a']);
    const x = ids();
    const ya = peft.call(x);
    peft.setAdapter('lin');
    const ylin = peft.call(x);
    expect(maxAbsDiff(ylin, ya)).toBeLessThan(1e-5);
    expect((peft.model.getSubmodule(PATHS[0] as string) as LoraLayer).scaling('lin')).toBe(1);
    // [0.5, 0.25]: A = sqrt(0.5*2) A_a + sqrt(0.25*4) A_b (scalings 4/2 and 8/2).
    peft.addWeightedAdapter(['a', 'b'], [0.5, 0.25], 'lin2', 'linear');
    const layer = peft.model.getSubmodule(PATHS[0] as string) as LoraLayer;
    const fa = layer.loraFactors('a');
    const fb = layer.loraFactors('b');
    const f2 = layer.loraFactors('lin2');
    const want = tf.tidy(() => tf.add(tf.mul(fa.a, Math.sqrt(0.5 * 2)), tf.mul(fb.a, Math.sqrt(0.25 * 4))));
    expect(maxAbsDiff(f2.a, want)).toBeLessThan(1e-6);
    tf.dispose([x, ya, ylin, want, fa.a, fa.b, fb.a, fb.b, f2.a, f2.b]);
    peft.dispose();
  });

  it("'cat' equals the weighted sum of deltas (rank = sum of ranks) and survives save/load", async () => {
    const peft = twoAdapters(3);
    peft.addWeightedAdapter(['a', 'b'], [0.7, -0.4], 'cat', 'cat');
    expect(peft.peftConfig.get('cat')).toMatchObject({ r: 5, loraAlpha: 5, useRslora: false });
    for (const p of PATHS) {
      const want = weightedDelta(peft, p, [0.7, -0.4]);
      const got = delta(peft, p, 'cat');
      expect(maxAbsDiff(got, want), p).toBeLessThan(1e-5);
      tf.dispose([want, got]);
    }
    peft.setAdapter('cat');
    const x = ids();
    const want = peft.call(x);
    const dir = tmp('cat');
    await peft.savePretrained(dir, { selectedAdapters: ['cat'] });
    setSeed(71);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), tmp('cat', 'cat'));
    const got = loaded.call(x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, want, got]);
    peft.dispose();
    loaded.dispose();
  });

  it("'svd' at full rank reproduces the weighted delta; lower rank is the best approximation", () => {
    const peft = twoAdapters();
    peft.addWeightedAdapter(['a', 'b'], [0.7, -0.4], 'full', 'svd', { svdRank: 4 });
    peft.addWeightedAdapter(['a', 'b'], [0.7, -0.4], 'one', 'svd', { svdRank: 1 });
    for (const p of PATHS) {
      const want = weightedDelta(peft, p, [0.7, -0.4]);
      const full = delta(peft, p, 'full');
      expect(maxAbsDiff(full, want), p).toBeLessThan(1e-4);
      // Eckart-Young: the rank-1 result is the exact best rank-1 approximation of the delta.
      const one = delta(peft, p, 'one');
      const best = reconstruct(svdJacobi(matrixFromTensor(want)), 1);
      const bestT = tf.tensor2d(Float32Array.from(best.data), [best.rows, best.cols]);
      expect(maxAbsDiff(one, bestT), p).toBeLessThan(1e-4);
      tf.dispose([want, full, one, bestT]);
    }
    peft.dispose();
  });

  it('combines conv adapters and carries a single trained modulesToSave copy over', () => {
    setSeed(72);
    const peft = getPeftModel(
      new TinyConvSeqNet(),
      {
        peftType: 'LORA',
        r: 2,
        initLoraWeights: false,
        targetModules: ['conv1', 'seq'],
        modulesToSave: ['head'],
      },
      { adapterName: 'a' },
    );
    peft.addAdapter('b', {
      peftType: 'LORA',
      r: 2,
      loraAlpha: 4,
      initLoraWeights: false,
      targetModules: ['conv1'],
    });
    const headA = peft.model.getSubmodule('head.modules_to_save.a').parameters()[0]!;
    const bumped = tf.tidy(() => tf.add(headA.value, 0.5));
    headA.assign(bumped);
    bumped.dispose();
    peft.addWeightedAdapter(['a', 'b'], [1, 2], 'mix', 'cat');
    for (const p of ['conv1', 'seq']) {
      const da = delta(peft, p, 'a');
      const db = (peft.model.getSubmodule(p) as LoraLayer).hasAdapter('b')
        ? delta(peft, p, 'b')
        : tf.zerosLike(da);
      const want = tf.tidy(() => tf.add(da, tf.mul(db, 2)));
      const got = delta(peft, p, 'mix');
      expect(maxAbsDiff(got, want), p).toBeLessThan(1e-5);
      tf.dispose([da, db, want, got]);
    }
    const headMix = peft.model.getSubmodule('head.modules_to_save.mix').parameters()[0]!;
    expect(maxAbsDiff(headMix.value, headA.value)).toBe(0);
    const x = normalImages();
    peft.setAdapter('mix');
    expect(peft.call(x).shape).toEqual([3, 3]);
    x.dispose();
    peft.dispose();
  });

  it('rejects what cannot be combined, leaving the model unchanged', () => {
    const peft = twoAdapters(3);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'x', 'linear')).toThrow(
      /'linear' needs equal ranks, but '.*' has ranks 2, 3/,
    );
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'x', 'ties')).toThrow(
      /combinationType must be one of linear, cat, svd, got 'ties'/,
    );
    expect(() => peft.addWeightedAdapter(['a'], [-1], 'x', 'linear')).toThrow(/sqrt\(weight \* scaling\)/);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1], 'x', 'cat')).toThrow(
      /one finite weight per adapter/,
    );
    expect(() => peft.addWeightedAdapter(['a', 'nope'], [1, 1], 'x', 'cat')).toThrow(
      /unknown adapter 'nope'/,
    );
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'a', 'cat')).toThrow(
      /adapter 'a' already exists/,
    );
    peft.addAdapter('d', { peftType: 'LORA', r: 2, useDora: true, targetModules: ['query'] });
    expect(() => peft.addWeightedAdapter(['a', 'd'], [1, 1], 'x', 'cat')).toThrow(/adapter 'd' uses DoRA/);
    expect(peft.adapterNames()).toEqual(['a', 'b', 'd']);
    peft.dispose();
    const conv = getPeftModel(new TinyConvSeqNet(), { peftType: 'LORA', r: 2, targetModules: ['conv2'] });
    conv.addAdapter('b', { peftType: 'LORA', r: 2, targetModules: ['conv2'] });
    expect(() => conv.addWeightedAdapter(['default', 'b'], [1, 1], 'x', 'cat')).toThrow(/groups > 1/);
    expect(conv.adapterNames()).toEqual(['default', 'b']);
    conv.dispose();
  });
});
