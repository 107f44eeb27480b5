import * as fs from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  adapterConfigPath,
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
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import type { LohaLayer } from './layer.js';

const tmp = useCpuAndTmpDir('loha');

const QUERY = 'encoder.layer.0.attention.self.query';

/** A factor of adapter `name` on `layer` as nested arrays. */
function factor(layer: LohaLayer, key: string, name = 'default'): number[][] {
  const p = layer.adapterParametersByKey(name).get(key);
  if (!p) throw new Error(`no factor ${key}`);
  return p.value.arraySync() as number[][];
}

/** HF's LoHa ΔW in PyTorch layout `[out, inFlat]`, by plain loops. */
function lohaTorchDelta(layer: LohaLayer, scale: number): number[][] {
  const w1a = factor(layer, 'hada_w1_a');
  const w1b = factor(layer, 'hada_w1_b');
  const w2a = factor(layer, 'hada_w2_a');
  const w2b = factor(layer, 'hada_w2_b');
  const dot = (a: number[][], b: number[][], o: number, i: number) =>
    a[o]!.reduce((s, v, k) => s + v * b[k]![i]!, 0);
  return w1a.map((_, o) => w1b[0]!.map((_, i) => scale * dot(w1a, w1b, o, i) * dot(w2a, w2b, o, i)));
}

/** HF's CP rebuild `[p, q, kh, kw]` from `core [i, j, kh, kw]`, `wa [i, p]`, `wb [j, q]`. */
function cpRef(core: number[][][][], wa: number[][], wb: number[][]): number[][][][] {
  const P = wa[0]!.length;
  const Q = wb[0]!.length;
  const kh = core[0]![0]!.length;
  const kw = core[0]![0]![0]!.length;
  const out: number[][][][] = [];
  for (let p = 0; p < P; p++) {
    out.push([]);
    for (let q = 0; q < Q; q++) {
      out[p]!.push([]);
      for (let h = 0; h < kh; h++) {
        out[p]![q]!.push([]);
        for (let w = 0; w < kw; w++) {
          let s = 0;
          for (let i = 0; i < core.length; i++)
            for (let j = 0; j < core[0]!.length; j++) s += core[i]![j]![h]![w]! * wa[i]![p]! * wb[j]![q]!;
          out[p]![q]![h]!.push(s);
        }
      }
    }
  }
  return out;
}

describe('LoHa', () => {
  it('a fresh adapter leaves outputs exactly unchanged; training changes only adapter and modulesToSave', () => {
    setSeed(1);
    const { peft, baseSnap } = adaptAndExpectUnchanged(new TinyBert(), {
      peftType: 'LOHA',
      r: 2,
      alpha: 4,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    // HF's init: only hada_w2_b starts at zero.
    const layer = peft.model.getSubmodule(QUERY) as LohaLayer;
    const zeroed = [...layer.adapterParametersByKey('default')].filter(([, p]) =>
      p.value.dataSync().every((v) => v === 0),
    );
    expect(zeroed.map(([k]) => k)).toEqual(['hada_w2_b']);

    const losses = trainSteps(peft, 20);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    expectBaseUnchanged(peft.model, baseSnap, (k) =>
      k
        .replace(/\.(query|value)\.(weight|bias)$/, '.$1.base_layer.$2')
        .replace(/^classifier\./, 'classifier.base_layer.'),
    );
    const w2b = layer.adapterParametersByKey('default').get('hada_w2_b')!;
    expect(tf.tidy(() => tf.sum(tf.abs(w2b.value)).dataSync()[0])).toBeGreaterThan(0);
  });

  it('trainable count is 2r(in+out) per adapted Linear plus the saved head', () => {
    setSeed(2);
    const model = new TinyBert();
    const { d, ffn, classes, layers } = model.dims;
    const r = 3;
    const peft = getPeftModel(
      model,
      { peftType: 'LOHA', r, targetRoles: ['attn.q', 'ffn.up'], modulesToSave: ['classifier'] },
      { placement: tinyBertPlacement },
    );
    const expected = layers * (2 * r * (d + d) + 2 * r * (d + ffn)) + (d * classes + classes);
    expect(peft.getNbTrainableParameters().trainable).toBe(expected);
    expect(peft.getNbTrainableParameters().trainable).toBe(trainableSize(peft));
  });

  it('deltaWeight is (w1a@w1b)⊙(w2a@w2b)·alpha/r, transposed to [in, out]; patterns set r and alpha', () => {
    setSeed(3);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LOHA',
      r: 2,
      alpha: 3,
      initWeights: false,
      targetModules: ['query', 'intermediate.dense'],
      rankPattern: { 'intermediate\\.dense': 4 },
      alphaPattern: { 'layer.1.attention.self.query': 10 },
    });
    const cases: [string, number, number][] = [
      [QUERY, 2, 3 / 2],
      ['encoder.layer.1.attention.self.query', 2, 10 / 2],
      ['encoder.layer.0.intermediate.dense', 4, 3 / 4],
    ];
    for (const [p, r, scale] of cases) {
      const layer = peft.model.getSubmodule(p) as LohaLayer;
      expect(factor(layer, 'hada_w1_a')[0]).toHaveLength(r);
      const want = lohaTorchDelta(layer, scale);
      const got = rows(layer.deltaWeight('default')!);
      // memory [in, out] = transpose of PyTorch [out, in]
      for (let i = 0; i < got.length; i++)
        for (let o = 0; o < got[0]!.length; o++) expect(got[i]![o]).toBeCloseTo(want[o]![i]!, 5);
    }
  });

  it('merge equals unmerged output; unmerge restores base weights; mergeAndUnload is a plain model', () => {
    setSeed(4);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'LOHA', r: 2, targetRoles: ['attn.q', 'attn.v', 'ffn.up'] },
      { placement: tinyBertPlacement },
    );
    trainSteps(peft, 5);
    const x = ids();
    const q = peft.model.getSubmodule(`${QUERY}.base_layer`).parameters()[0]!;
    const plain = expectMergeRoundTrip(peft, x, q);
    expect(plain.hasSubmodule(`${QUERY}.hada_w1_a`)).toBe(false);
    x.dispose();
  });

  it('save -> load reproduces outputs exactly with HF key names and PyTorch shapes', async () => {
    setSeed(5);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LOHA',
      r: 2,
      targetModules: ['query', 'intermediate.dense'],
      modulesToSave: ['classifier'],
    });
    trainSteps(peft, 3);
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    // Fixture: HF LoHa Linear factors are w1_a/w2_a [out, r], w1_b/w2_b [r, in].
    const q = `base_model.model.${QUERY}`;
    const up = 'base_model.model.encoder.layer.1.intermediate.dense';
    expect(shapes).toMatchObject({
      [`${q}.hada_w1_a`]: [8, 2],
      [`${q}.hada_w1_b`]: [2, 8],
      [`${q}.hada_w2_a`]: [8, 2],
      [`${q}.hada_w2_b`]: [2, 8],
      [`${up}.hada_w1_a`]: [16, 2],
      [`${up}.hada_w1_b`]: [2, 8],
      [`${up}.hada_w2_a`]: [16, 2],
      [`${up}.hada_w2_b`]: [2, 8],
      'base_model.model.classifier.weight': [3, 8],
      'base_model.model.classifier.bias': [3],
    });
    expect(Object.keys(shapes)).toHaveLength(2 * 2 * 4 + 2);
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'LOHA',
      r: 2,
      alpha: 8,
      rank_dropout: 0,
      module_dropout: 0,
      use_effective_conv2d: false,
      init_weights: true,
      rank_pattern: {},
      alpha_pattern: {},
      target_modules: ['query', 'intermediate.dense'],
    });

    const reloaded = await expectReloadsExactly(peft, dir, 5);
    expect(reloaded.getNbTrainableParameters().trainable).toBe(0);
  });

  it('two adapters: per-example routing equals running each alone; __base__ equals disabled', () => {
    setSeed(6);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'LOHA', r: 2, initWeights: false, targetModules: ['query', 'value'] },
      { adapterName: 'a' },
    );
    peft.addAdapter('b', { peftType: 'LOHA', r: 3, initWeights: false, targetModules: ['query'] });
    expectRoutingMatchesEachAlone(peft, ['a', 'b', '__base__']);
  });

  it('module and rank dropout act in training only', () => {
    setSeed(7);
    const x = ids();
    const base = new TinyBert();
    const y0 = base.call(x);
    for (const drop of [{ moduleDropout: 1 }, { rankDropout: 1 }]) {
      setSeed(7);
      const peft = getPeftModel(new TinyBert(), {
        peftType: 'LOHA',
        r: 2,
        initWeights: false,
        targetModules: ['query', 'value'],
        ...drop,
      });
      const train = peft.call(x);
      expect(maxAbsDiff(train, y0), JSON.stringify(drop)).toBe(0);
      peft.eval();
      const evalOut = peft.call(x);
      expect(maxAbsDiff(evalOut, y0), JSON.stringify(drop)).toBeGreaterThan(1e-4);
      tf.dispose([train, evalOut]);
    }
    tf.dispose([x, y0]);
  });

  it('Conv2d: identity at init, HF shapes (plain and effective), closed-form ΔW, merge, training', () => {
    for (const useEffectiveConv2d of [false, true]) {
      setSeed(8);
      const x = sineImages();
      const model = new TinyConvNet();
      const y0 = model.call(x);
      const peft = getPeftModel(model, {
        peftType: 'LOHA',
        r: 2,
        alpha: 2,
        useEffectiveConv2d,
        targetModules: ['conv', 'proj'],
      });
      const y1 = peft.call(x);
      expect(Array.from(y1.dataSync())).toEqual(Array.from(y0.dataSync()));
      const losses = trainSteps(peft, 8, { x });
      expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);

      const conv = peft.model.getSubmodule('conv') as LohaLayer;
      const proj = peft.model.getSubmodule('proj') as LohaLayer;
      const shapes = (l: LohaLayer) =>
        Object.fromEntries([...l.adapterParametersByKey('default')].map(([k, p]) => [k, p.shape]));
      // 1x1 convs never use the effective form (HF turns it off there).
      expect(shapes(proj)).toEqual({
        hada_w1_a: [6, 2],
        hada_w1_b: [2, 4],
        hada_w2_a: [6, 2],
        hada_w2_b: [2, 4],
      });
      // Memory layout HWIO [3, 3, 3, 4]; PyTorch OIHW [4, 3, 3, 3].
      const got = conv.deltaWeight('default')!.arraySync() as number[][][][];
      if (!useEffectiveConv2d) {
        expect(shapes(conv)).toEqual({
          hada_w1_a: [4, 2],
          hada_w1_b: [2, 27],
          hada_w2_a: [4, 2],
          hada_w2_b: [2, 27],
        });
        const flat = lohaTorchDelta(conv, 1);
        for (let h = 0; h < 3; h++)
          for (let w = 0; w < 3; w++)
            for (let c = 0; c < 3; c++)
              for (let o = 0; o < 4; o++)
                expect(got[h]![w]![c]![o]).toBeCloseTo(flat[o]![(c * 3 + h) * 3 + w]!, 5);
      } else {
        expect(shapes(conv)).toEqual({
          hada_w1_a: [2, 4],
          hada_w1_b: [2, 3],
          hada_w2_a: [2, 4],
          hada_w2_b: [2, 3],
          hada_t1: [2, 2, 3, 3],
          hada_t2: [2, 2, 3, 3],
        });
        const f = (k: string) => conv.adapterParametersByKey('default').get(k)!.value.arraySync() as never;
        const t1 = cpRef(f('hada_t1'), f('hada_w1_a'), f('hada_w1_b'));
        const t2 = cpRef(f('hada_t2'), f('hada_w2_a'), f('hada_w2_b'));
        for (let h = 0; h < 3; h++)
          for (let w = 0; w < 3; w++)
            for (let c = 0; c < 3; c++)
              for (let o = 0; o < 4; o++)
                expect(got[h]![w]![c]![o]).toBeCloseTo(t1[o]![c]![h]![w]! * t2[o]![c]![h]![w]!, 5);
      }
      const unmerged = peft.call(x);
      peft.merge();
      const merged = peft.call(x);
      expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
      peft.unmerge();
      tf.dispose([x, y0, y1, unmerged, merged]);
    }
  });

  it('rejects bad configs and module types with errors naming the problem', async () => {
    setSeed(9);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ r: 0 }, /r: /],
      [{ alpha: -1 }, /alpha: /],
      [{ rankDropout: 1.5 }, /rankDropout: /],
      [{ moduleDropout: -0.1 }, /moduleDropout: /],
      [{ initWeights: 'abba' }, /initWeights: /],
      [{ rankPattern: { query: 1.5 } }, /rankPattern\.query: /],
      [{ useKhatriRao: true }, /useKhatriRao/],
    ];
    expectConfigsRejected({ peftType: 'LOHA', targetModules: ['query'] }, bad);
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LOHA', targetModules: ['word_embeddings'] }),
    ).toThrow(/LOHA cannot wrap 'embeddings.word_embeddings' of type Embedding; it wraps: Linear, Conv2d/);
    expect(() => getPeftModel(new TinyConvNet(), { peftType: 'LOHA', targetModules: ['grouped'] })).toThrow(
      /cannot wrap 'grouped' of type Conv2d; it wraps: Linear, Conv2d \(groups = 1\)/,
    );
    // An HF file using ABBA options is refused rather than loaded with other math.
    const peft = getPeftModel(new TinyBert(), { peftType: 'LOHA', r: 2, targetModules: ['query'] });
    const dir = tmp('abba');
    await peft.savePretrained(dir);
    const cfg = await readAdapterConfig(dir);
    await fs.writeFile(adapterConfigPath(dir), JSON.stringify({ ...cfg, use_khatri_rao: true, r2: 4 }));
    await expect(PeftModel.fromPretrained(new TinyBert(), dir)).rejects.toThrow(
      /LOHA options peftkit does not support: use_khatri_rao: true.*r2: 4/,
    );
  });
});
