import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Embedding, Module } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { valueAndGrads } from '../../../train/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  expectBaseUnchanged,
  expectMergeRoundTrip,
  ids,
  maxAbsDiff,
  normalImages,
  readAdapterShapes,
  TinyBert,
  TinyConvSeqNet,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import type { LoraLayer } from './layer-common.js';

const tmp = useCpuAndTmpDir('lora-conv');

const P = 'base_model.model.';

describe('LoRA on Conv1d / Conv2d', () => {
  it('is the identity at init, trains only adapters, and counts parameters in closed form', () => {
    setSeed(41);
    const x = normalImages();
    const { peft, baseSnap: base } = adaptAndExpectUnchanged(
      new TinyConvSeqNet(),
      { peftType: 'LORA', r: 2, targetModules: ['conv1', 'conv2', 'seq'] },
      {},
      x,
    );
    // A: kh*kw*in*r (k*in*r for Conv1d); B: out * r/groups.
    const expected = 3 * 3 * 3 * 2 + 4 * 2 + (3 * 3 * 4 * 2 + 4 * (2 / 2)) + (2 * 4 * 2 + 6 * 2);
    expect(peft.getNbTrainableParameters().trainable).toBe(expected);
    const losses = trainSteps(peft, 15, { x });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    expectBaseUnchanged(peft.model, base, (k) => k.replace(/^(conv1|conv2|seq)\./, '$1.base_layer.'));
    x.dispose();
    peft.dispose();
  });

  it('merge equals unmerged (LoRA and DoRA, dilated conv included); grouped convs refuse to merge', () => {
    for (const useDora of [false, true]) {
      setSeed(42);
      const peft = getPeftModel(new TinyConvSeqNet(), {
        peftType: 'LORA',
        r: 2,
        useDora,
        initLoraWeights: false,
        targetModules: ['conv1', 'seq'],
      });
      const x = normalImages();
      const w = (peft.model.getSubmodule('conv1') as LoraLayer).baseWeight;
      expectMergeRoundTrip(peft, x, w, `dora=${useDora}`).dispose();
      x.dispose();
    }
    const grouped = getPeftModel(new TinyConvSeqNet(), { peftType: 'LORA', r: 2, targetModules: ['conv2'] });
    expect(() => grouped.merge()).toThrow(
      /LoraConv2d: merging .* not supported for convolutions with groups > 1 \(groups=2\)/,
    );
    grouped.dispose();
  });

  it('save -> load: HF keys and PyTorch shapes (incl. DoRA magnitudes) and exact outputs', async () => {
    setSeed(43);
    const peft = getPeftModel(new TinyConvSeqNet(), {
      peftType: 'LORA',
      r: 2,
      useDora: true,
      targetModules: ['conv1', 'seq'],
    });
    peft.addAdapter('g', { peftType: 'LORA', r: 2, targetModules: ['conv2'] });
    const x = normalImages();
    trainSteps(peft, 3, { x });
    const dir = tmp('conv');
    await peft.savePretrained(dir);
    // Fixture: HF LoRA conv keys; A = Conv(in, r, k) -> [r, in, kh, kw], B = 1x1 Conv(r, out, groups).
    expect(await readAdapterShapes(dir)).toEqual({
      [`${P}conv1.lora_A.weight`]: [2, 3, 3, 3],
      [`${P}conv1.lora_B.weight`]: [4, 2, 1, 1],
      [`${P}conv1.lora_magnitude_vector.weight`]: [1, 4, 1, 1],
      [`${P}seq.lora_A.weight`]: [2, 4, 2],
      [`${P}seq.lora_B.weight`]: [6, 2, 1],
      [`${P}seq.lora_magnitude_vector.weight`]: [1, 6, 1],
    });
    expect(await readAdapterShapes(tmp('conv', 'g'))).toEqual({
      [`${P}conv2.lora_A.weight`]: [2, 4, 3, 3],
      [`${P}conv2.lora_B.weight`]: [4, 1, 1, 1],
    });
    peft.setAdapter(['default', 'g']);
    const want = peft.call(x);
    setSeed(43);
    const loaded = await PeftModel.fromPretrained(new TinyConvSeqNet(), dir);
    await loaded.loadAdapter(tmp('conv', 'g'), 'g');
    loaded.setAdapter(['default', 'g']);
    const got = loaded.call(x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    // Per-example routing on convs equals running each adapter alone.
    const routed = loaded.callWithAdapterNames(['g', 'default', '__base__'], x);
    loaded.setAdapter('g');
    const yg = loaded.call(x);
    const y0 = loaded.disableAdapter(() => loaded.call(x));
    const row = (t: tf.Tensor, i: number) => tf.slice(t, [i, 0], [1, -1]);
    expect(maxAbsDiff(row(routed, 0), row(yg, 0))).toBeLessThan(1e-6);
    expect(maxAbsDiff(row(routed, 2), row(y0, 2))).toBeLessThan(1e-6);
    tf.dispose([x, want, got, routed, yg, y0]);
    peft.dispose();
    loaded.dispose();
  });

  it('rejects unsupported conv settings with errors naming the layer', () => {
    expect(() =>
      getPeftModel(new TinyConvSeqNet(), { peftType: 'LORA', r: 3, targetModules: ['conv2'] }),
    ).toThrow(/Conv2d has groups=2; r must be divisible by groups, got r=3/);
    expect(() =>
      getPeftModel(new TinyConvSeqNet(), { peftType: 'LORA', r: 2, useDora: true, targetModules: ['conv2'] }),
    ).toThrow(/useDora is not supported for Conv2d layers with groups > 1/);
    expect(() =>
      getPeftModel(new TinyConvSeqNet(), {
        peftType: 'LORA',
        initLoraWeights: 'pissa_niter_2',
        targetModules: ['seq'],
      }),
    ).toThrow(/supports Linear layers only, not Conv1d/);
  });
});

describe('LoRA on Embedding', () => {
  it('identity at init, trains, closed-form count, merge/unmerge (LoRA and DoRA)', () => {
    for (const useDora of [false, true]) {
      setSeed(51);
      const model = new TinyBert();
      const x = ids();
      const before = model.call(x);
      const peft = getPeftModel(model, {
        peftType: 'LORA',
        r: 3,
        useDora,
        targetModules: ['word_embeddings'],
      });
      const at0 = peft.call(x);
      expect(Array.from(at0.dataSync())).toEqual(Array.from(before.dataSync()));
      const { vocab, d } = model.dims;
      expect(peft.getNbTrainableParameters().trainable).toBe(3 * vocab + d * 3 + (useDora ? d : 0));
      const losses = trainSteps(peft, 12, { x });
      expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
      const w = (peft.model.getSubmodule('embeddings.word_embeddings') as LoraLayer).baseWeight;
      const w0 = w.value.clone();
      const unmerged = peft.call(x);
      peft.merge();
      const merged = peft.call(x);
      expect(maxAbsDiff(merged, unmerged), `dora=${useDora}`).toBeLessThan(1e-5);
      peft.unmerge();
      expect(maxAbsDiff(w.value, w0)).toBeLessThan(1e-6);
      tf.dispose([x, before, at0, w0, unmerged, merged]);
      peft.dispose();
    }
  });

  it('saves lora_embedding_A [r, num] / lora_embedding_B [dim, r] as HF and reloads exactly', async () => {
    setSeed(52);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LORA',
      r: 2,
      useDora: true,
      targetModules: ['word_embeddings', 'query'],
    });
    const x = ids();
    trainSteps(peft, 3, { x });
    const dir = tmp('emb');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    const e = `${P}embeddings.word_embeddings`;
    expect(shapes[`${e}.lora_embedding_A`]).toEqual([2, 20]);
    expect(shapes[`${e}.lora_embedding_B`]).toEqual([8, 2]);
    expect(shapes[`${e}.lora_magnitude_vector.weight`]).toEqual([8]);
    expect(shapes[`${P}encoder.layer.0.attention.self.query.lora_magnitude_vector.weight`]).toEqual([8]);
    expect(Object.keys(shapes)).toHaveLength(3 + 2 * 3);
    const want = peft.call(x);
    setSeed(52);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir);
    const got = loaded.call(x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    // Per-example routing on the embedding.
    loaded.addAdapter('zero', { peftType: 'LORA', r: 2, targetModules: ['word_embeddings'] });
    const routed = loaded.callWithAdapterNames(['default', 'zero', '__base__'], x);
    const y0 = loaded.disableAdapter(() => loaded.call(x));
    expect(maxAbsDiff(tf.slice(routed, [0, 0], [1, -1]), tf.slice(want, [0, 0], [1, -1]))).toBeLessThan(1e-6);
    expect(maxAbsDiff(tf.slice(routed, [1, 0], [2, -1]), tf.slice(y0, [1, 0], [2, -1]))).toBeLessThan(1e-6);
    tf.dispose([x, want, got, routed, y0]);
    peft.dispose();
    loaded.dispose();
  });

  it('gives the padding row of lora_embedding_A no gradient (F.embedding padding_idx)', () => {
    class Tok extends Module<[tf.Tensor], tf.Tensor> {
      constructor() {
        super();
        this.registerModule('tok', new Embedding(6, 4, { paddingIdx: 0 }));
      }
      forward(ids: tf.Tensor): tf.Tensor {
        return this.child('tok').forward(ids) as tf.Tensor;
      }
    }
    setSeed(53);
    const peft = getPeftModel(new Tok(), {
      peftType: 'LORA',
      r: 2,
      initLoraWeights: false,
      targetModules: ['tok'],
    });
    const ids = tf.tensor2d([[0, 1, 2, 0]], [1, 4], 'int32');
    const named = peft.namedParameters({ trainableOnly: true });
    const { value, grads } = valueAndGrads(named, () => tf.sum(tf.square(peft.call(ids))) as tf.Scalar);
    const gA = [...grads].find(([k]) => k.endsWith('lora_embedding_A.default'))?.[1] as tf.Tensor;
    const rows = gA.arraySync() as number[][];
    expect(rows[0]).toEqual([0, 0]);
    expect(Math.abs(rows[1]?.[0] as number) + Math.abs(rows[2]?.[0] as number)).toBeGreaterThan(0);
    tf.dispose([ids, value, ...grads.values()]);
    peft.dispose();
  });

  it('rejects loraBias on embeddings', () => {
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LORA', loraBias: true, targetModules: ['word_embeddings'] }),
    ).toThrow(/loraBias is not supported for Embedding layers/);
  });
});
