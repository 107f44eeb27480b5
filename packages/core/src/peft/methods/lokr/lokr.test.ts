import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  expectBaseUnchanged,
  expectConfigsRejected,
  expectMergeRoundTrip,
  expectReloadsExactly,
  expectRoutingMatchesEachAlone,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  rows,
  sineImages,
  TinyBert,
  TinyConvNet,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import { factorization } from './factorization.js';
import type { LokrLayer } from './layer.js';

const tmp = useCpuAndTmpDir('lokr');

const QUERY = 'encoder.layer.0.attention.self.query';

function shapesOf(layer: LokrLayer, name = 'default'): Record<string, number[]> {
  return Object.fromEntries([...layer.adapterParametersByKey(name)].map(([k, p]) => [k, p.shape]));
}

function arr(layer: LokrLayer, key: string): number[][] {
  return layer.adapterParametersByKey('default').get(key)!.value.arraySync() as number[][];
}

function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

/** Left and right Kronecker factors of a Linear adapter as plain arrays. */
function kronFactors(layer: LokrLayer): [number[][], number[][]] {
  const has = (k: string) => layer.adapterParametersByKey('default').has(k);
  const w1 = has('lokr_w1')
    ? arr(layer, 'lokr_w1')
    : matmul(arr(layer, 'lokr_w1_a'), arr(layer, 'lokr_w1_b'));
  const w2 = has('lokr_w2')
    ? arr(layer, 'lokr_w2')
    : matmul(arr(layer, 'lokr_w2_a'), arr(layer, 'lokr_w2_b'));
  return [w1, w2];
}

describe('LoKr', () => {
  it('factorization follows HF: docstring examples and hand-derived cases', () => {
    // HF's docstring examples.
    expect(factorization(256, -1)).toEqual([16, 16]);
    expect(factorization(128, -1)).toEqual([8, 16]);
    expect(factorization(127, -1)).toEqual([1, 127]);
    expect(factorization(128, 4)).toEqual([4, 32]);
    // Walked by hand through HF's loop.
    expect(factorization(8)).toEqual([2, 4]);
    expect(factorization(16)).toEqual([4, 4]);
    expect(factorization(6)).toEqual([2, 3]);
    expect(factorization(3)).toEqual([1, 3]);
    expect(factorization(64)).toEqual([8, 8]);
    expect(factorization(32)).toEqual([4, 8]);
    expect(factorization(64, 4)).toEqual([4, 16]);
    expect(factorization(12, 5)).toEqual([3, 4]); // 5 does not divide 12: bound only
    expect(() => factorization(12, 0)).toThrow(/factor must be a positive integer or -1/);
  });

  it('factor shapes match HF for r, decompose_both and decompose_factor', () => {
    setSeed(1);
    const dims = { vocab: 20, d: 64, ffn: 32, layers: 1, classes: 3 };
    const up = 'encoder.layer.0.intermediate.dense'; // 64 -> 32: in (8, 8), out (4, 8)
    const cases: [Record<string, unknown>, Record<string, number[]>][] = [
      [
        { r: 2, decomposeBoth: true },
        { lokr_w1_a: [4, 2], lokr_w1_b: [2, 8], lokr_w2_a: [8, 2], lokr_w2_b: [2, 8] },
      ],
      [
        { r: 4, decomposeBoth: true },
        { lokr_w1: [4, 8], lokr_w2: [8, 8] },
      ],
      [{ r: 2 }, { lokr_w1: [4, 8], lokr_w2_a: [8, 2], lokr_w2_b: [2, 8] }],
      [
        { r: 2, decomposeFactor: 4 },
        { lokr_w1: [4, 4], lokr_w2_a: [8, 2], lokr_w2_b: [2, 16] },
      ],
    ];
    for (const [cfg, want] of cases) {
      const peft = getPeftModel(new TinyBert(dims), { peftType: 'LOKR', targetModules: [up], ...cfg });
      expect(shapesOf(peft.model.getSubmodule(up) as LokrLayer), JSON.stringify(cfg)).toEqual(want);
      peft.dispose();
    }
  });

  it('a fresh adapter leaves outputs exactly unchanged; training changes only adapter parameters', () => {
    for (const initWeights of [true, 'lycoris'] as const) {
      setSeed(2);
      const { peft, baseSnap } = adaptAndExpectUnchanged(new TinyBert(), {
        peftType: 'LOKR',
        r: 1,
        initWeights,
        targetModules: ['query', 'value'],
      });
      const layer = peft.model.getSubmodule(QUERY) as LokrLayer;
      const zeroed = [...layer.adapterParametersByKey('default')]
        .filter(([, p]) => p.value.dataSync().every((v) => v === 0))
        .map(([k]) => k);
      // HF zeroes the left factor; LyCORIS' init zeroes the right one instead.
      expect(zeroed).toEqual(initWeights === true ? ['lokr_w1'] : ['lokr_w2_b']);

      const losses = trainSteps(peft, 20);
      expect(losses[losses.length - 1], String(initWeights)).toBeLessThan(losses[0] as number);
      expectBaseUnchanged(peft.model, baseSnap, (k) =>
        k.replace(/\.(query|value)\.(weight|bias)$/, '.$1.base_layer.$2'),
      );
    }
  });

  it('trainable count matches the factor shapes in closed form', () => {
    setSeed(3);
    const model = new TinyBert();
    const { d, classes, layers } = model.dims;
    // query/value 8x8: factorization(8) = (2, 4): w1 [2, 2]; r = 1 < 4/2 -> w2_a [4, 1], w2_b [1, 4].
    const peft = getPeftModel(model, {
      peftType: 'LOKR',
      r: 1,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    const perLayer = 2 * 2 + 4 * 1 + 1 * 4;
    expect(peft.getNbTrainableParameters().trainable).toBe(layers * 2 * perLayer + d * classes + classes);
    expect(peft.getNbTrainableParameters().trainable).toBe(trainableSize(peft));
    // r = 2 reaches max(4, 4)/2: w2 is a full [4, 4] matrix.
    const full = getPeftModel(new TinyBert(), { peftType: 'LOKR', r: 2, targetModules: ['query'] });
    expect(full.getNbTrainableParameters().trainable).toBe(layers * (2 * 2 + 4 * 4));
  });

  it('deltaWeight is kron(w1, w2)·alpha/r transposed to [in, out]', () => {
    setSeed(4);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LOKR',
      r: 1,
      alpha: 3,
      initWeights: false,
      decomposeBoth: true,
      targetModules: ['query', 'intermediate.dense'],
      alphaPattern: { 'intermediate\\.dense': 5 },
    });
    for (const [p, scale] of [
      [QUERY, 3],
      ['encoder.layer.1.intermediate.dense', 5],
    ] as const) {
      const layer = peft.model.getSubmodule(p) as LokrLayer;
      const [w1, w2] = kronFactors(layer);
      const c = w2.length;
      const dd = w2[0]!.length;
      const got = rows(layer.deltaWeight('default')!);
      expect(got[0]).toHaveLength(w1.length * c);
      for (let i = 0; i < got.length; i++)
        for (let o = 0; o < got[0]!.length; o++) {
          const want = scale * w1[Math.floor(o / c)]![Math.floor(i / dd)]! * w2[o % c]![i % dd]!;
          expect(got[i]![o]).toBeCloseTo(want, 5);
        }
    }
  });

  it('merge equals unmerged output; unmerge restores base weights; mergeAndUnload is a plain model', () => {
    setSeed(5);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LOKR',
      r: 1,
      decomposeBoth: true,
      targetModules: ['query', 'value', 'dense'],
    });
    trainSteps(peft, 5);
    const x = ids();
    const q = peft.model.getSubmodule(`${QUERY}.base_layer`).parameters()[0]!;
    const plain = expectMergeRoundTrip(peft, x, q);
    expect(plain.hasSubmodule(`${QUERY}.lokr_w1`)).toBe(false);
    x.dispose();
  });

  it('Conv2d (plain, grouped, 1x1; with and without the effective form): shapes, ΔW, merge', () => {
    for (const useEffectiveConv2d of [false, true]) {
      setSeed(6);
      const x = sineImages();
      const model = new TinyConvNet();
      const y0 = model.call(x);
      const peft = getPeftModel(model, {
        peftType: 'LOKR',
        r: 1,
        alpha: 2,
        useEffectiveConv2d,
        targetModules: ['conv', 'grouped', 'proj'],
      });
      const y1 = peft.call(x);
      expect(Array.from(y1.dataSync())).toEqual(Array.from(y0.dataSync()));
      const layer = (p: string) => peft.model.getSubmodule(p) as LokrLayer;
      // conv 3 -> 4: in (1, 3), out (2, 2); r = 1 < 3/2 -> decomposed w2.
      expect(shapesOf(layer('conv'))).toEqual(
        useEffectiveConv2d
          ? { lokr_w1: [2, 1], lokr_t2: [1, 1, 3, 3], lokr_w2_a: [1, 2], lokr_w2_b: [1, 3] }
          : { lokr_w1: [2, 1], lokr_w2_a: [2, 1], lokr_w2_b: [1, 27] },
      );
      // grouped 4 -> 4 (groups 2): in/groups 2 -> (1, 2); r = 1 >= 2/2 -> full 4-D w2.
      expect(shapesOf(layer('grouped'))).toEqual({ lokr_w1: [2, 1], lokr_w2: [2, 2, 3, 3] });
      // proj 4 -> 6 (1x1): never effective; out (2, 3).
      expect(shapesOf(layer('proj'))).toEqual({ lokr_w1: [2, 2], lokr_w2_a: [3, 1], lokr_w2_b: [1, 2] });

      trainSteps(peft, 6, { x });
      // Closed form for `conv`, non-effective: ΔW[o = i·2 + k, c = j·3 + l, h, w] = s·w1[i, j]·w2[k, l·9 + h·3 + w].
      if (!useEffectiveConv2d) {
        const conv = layer('conv');
        const w1 = arr(conv, 'lokr_w1');
        const w2 = matmul(arr(conv, 'lokr_w2_a'), arr(conv, 'lokr_w2_b'));
        const got = conv.deltaWeight('default')!.arraySync() as number[][][][];
        for (let h = 0; h < 3; h++)
          for (let w = 0; w < 3; w++)
            for (let c = 0; c < 3; c++)
              for (let o = 0; o < 4; o++) {
                const want =
                  2 * w1[Math.floor(o / 2)]![Math.floor(c / 3)]! * w2[o % 2]![(c % 3) * 9 + h * 3 + w]!;
                expect(got[h]![w]![c]![o]).toBeCloseTo(want, 5);
              }
      }
      const unmerged = peft.call(x);
      expect(maxAbsDiff(unmerged, y0)).toBeGreaterThan(1e-5);
      peft.merge();
      const merged = peft.call(x);
      expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
      tf.dispose([x, y0, y1, unmerged, merged]);
    }
  });

  it('save -> load reproduces outputs exactly with HF key names and PyTorch shapes', async () => {
    setSeed(7);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LOKR',
      r: 1,
      decomposeBoth: true,
      rankDropoutScale: true,
      targetModules: ['query', 'intermediate.dense'],
    });
    trainSteps(peft, 3);
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    // Fixture: query 8 -> 8 = (2·4) x (2·4); intermediate 8 -> 16: in (2, 4), out (4, 4).
    // decompose_both with r = 1: query keeps w1 full (1 < max(2, 2)/2 is false), intermediate
    // splits it (1 < max(4, 2)/2); both split w2 (1 < max(4, 4)/2).
    const q = `base_model.model.${QUERY}`;
    const up = 'base_model.model.encoder.layer.1.intermediate.dense';
    expect(shapes).toEqual({
      [`${q}.lokr_w1`]: [2, 2],
      [`${q}.lokr_w2_a`]: [4, 1],
      [`${q}.lokr_w2_b`]: [1, 4],
      [`${q.replace('layer.0', 'layer.1')}.lokr_w1`]: [2, 2],
      [`${q.replace('layer.0', 'layer.1')}.lokr_w2_a`]: [4, 1],
      [`${q.replace('layer.0', 'layer.1')}.lokr_w2_b`]: [1, 4],
      [`${up}.lokr_w1_a`]: [4, 1],
      [`${up}.lokr_w1_b`]: [1, 2],
      [`${up}.lokr_w2_a`]: [4, 1],
      [`${up}.lokr_w2_b`]: [1, 4],
      [`${up.replace('layer.1', 'layer.0')}.lokr_w1_a`]: [4, 1],
      [`${up.replace('layer.1', 'layer.0')}.lokr_w1_b`]: [1, 2],
      [`${up.replace('layer.1', 'layer.0')}.lokr_w2_a`]: [4, 1],
      [`${up.replace('layer.1', 'layer.0')}.lokr_w2_b`]: [1, 4],
    });
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'LOKR',
      r: 1,
      alpha: 8,
      decompose_both: true,
      decompose_factor: -1,
      rank_dropout_scale: true,
      use_effective_conv2d: false,
      init_weights: true,
    });
    await expectReloadsExactly(peft, dir, 7);
  });

  it('two adapters: per-example routing equals running each alone', () => {
    setSeed(8);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'LOKR', r: 1, initWeights: false, targetModules: ['query', 'value'] },
      { adapterName: 'a' },
    );
    peft.addAdapter('b', { peftType: 'LOKR', r: 4, initWeights: false, targetModules: ['value'] });
    expectRoutingMatchesEachAlone(peft, ['b', '__base__', 'a']);
  });

  it('rejects bad configs and module types with errors naming the problem', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ r: 0 }, /r: /],
      [{ decomposeFactor: 0 }, /decomposeFactor: must be -1 or a positive integer/],
      [{ decomposeFactor: 2.5 }, /decomposeFactor: /],
      [{ initWeights: 'pissa' }, /initWeights: /],
      [{ rankDropout: 2 }, /rankDropout: /],
    ];
    expectConfigsRejected({ peftType: 'LOKR', targetModules: ['query'] }, bad);
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LOKR', targetModules: ['word_embeddings'] }),
    ).toThrow(/LOKR cannot wrap 'embeddings.word_embeddings' of type Embedding; it wraps: Linear, Conv2d/);
  });
});
