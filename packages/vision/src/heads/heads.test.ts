import { Flatten, type Linear, Module, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ViTModel } from '../models/vit/model.js';
import { classWeightsFromCounts, posWeightsFromRows } from './class-balance.js';
import { classificationHead } from './classification-head.js';
import { ImageClassifier } from './image-classifier.js';
import { decodeMultilabel, multilabelHead, tuneThresholds } from './multilabel-head.js';
import { flipTta } from './tta.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Flattens NHWC pixels (not flip invariant), features = H*W*C. */
class FlatBase extends Module<[tf.Tensor], tf.Tensor> {
  constructor() {
    super();
    this.registerModule('flat', new Flatten());
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('flat').call(x);
  }
}

describe('classification heads', () => {
  it('lays out ViT classifiers as HF ViTForImageClassification', () => {
    setSeed(1);
    const vit = new ViTModel({
      image_size: 8,
      patch_size: 4,
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 16,
    });
    const built = classificationHead.build({
      base: vit,
      architecture: 'vit',
      baseConfig: vit.config,
      features: 8,
      config: { dropout: 0, tta: 'none', labelSmoothing: 0 },
      labels: ['a', 'b'],
    });
    expect([built.basePath, built.headPaths]).toEqual(['vit', ['classifier']]);
    const keys = [...built.model.stateDict().keys()];
    expect(keys).toContain('vit.encoder.layer.0.attention.attention.query.weight');
    expect(keys).toContain('classifier.weight');
    const resnet = classificationHead.build({
      base: new FlatBase(),
      architecture: 'resnet',
      baseConfig: {},
      features: 4,
      config: { dropout: 0, tta: 'none', labelSmoothing: 0 },
      labels: ['a', 'b'],
    });
    expect([resnet.basePath, resnet.headPaths]).toEqual(['resnet', ['fc']]);
    expect(() =>
      classificationHead.build({
        base: vit,
        architecture: 'x',
        baseConfig: {},
        features: undefined,
        config: { dropout: 0, tta: 'none', labelSmoothing: 0 },
        labels: ['a', 'b'],
      }),
    ).toThrow('does not state its output features');
    built.model.dispose();
  });

  it('applies class weights and the config label smoothing as torch does, and decodes probabilities', async () => {
    const rows = [
      [2, 0, -1],
      [0, 1, 0.5],
      [1, 1, 1],
    ];
    const ys = [0, 1, 1];
    const logits = tf.tensor2d(rows);
    const targets = tf.tensor1d(ys, 'int32');
    // Two weights for three classes: the third (absent from training) is padded with 0.
    const batch = { inputs: [], targets, classWeights: [1, 3], size: 3 };
    const w = [1, 3, 0];
    /** torch: sum_i (1-eps) w[y_i] (-logp[y_i]) + eps/C sum_c w[c] (-logp[c]), over sum_i w[y_i]. */
    const expected = (eps: number) => {
      let total = 0;
      let weight = 0;
      rows.forEach((row, i) => {
        const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
        const nll = row.map((x) => lse - x);
        const y = ys[i]!;
        total += (1 - eps) * w[y]! * nll[y]! + (eps / 3) * nll.reduce((a, v, c) => a + w[c]! * v, 0);
        weight += w[y]!;
      });
      return total / weight;
    };
    const config = { dropout: 0, tta: 'none' as const, labelSmoothing: 0.2 };
    const smoothed = classificationHead.loss(logits, batch, { config });
    expect(smoothed.dataSync()[0]).toBeCloseTo(expected(0.2), 5);
    // Without a context (older callers), the config defaults apply: no smoothing.
    const plain = classificationHead.loss(logits, batch);
    expect(plain.dataSync()[0]).toBeCloseTo(expected(0), 5);
    expect(Math.abs(expected(0.2) - expected(0))).toBeGreaterThan(0.01); // far beyond toBeCloseTo's 5e-6
    const ctx = { model: new FlatBase(), batch: { inputs: [], size: 3 } };
    const twoClass = tf.slice(logits, [0, 0], [3, 2]);
    const [p] = await classificationHead.predict(twoClass, { labels: ['normal', 'pneumonia'], ...ctx });
    expect(p?.label).toBe('normal');
    expect(p?.probabilities?.['normal']).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    const m = classificationHead.metricInputs(logits, batch);
    expect((m.predictions as tf.Tensor).shape).toEqual([3, 3]);
    tf.dispose([logits, twoClass, targets, smoothed, plain, m.predictions as tf.Tensor]);
  });

  it('multi-label: BCE with positive weights; metrics and predictions at the config thresholds', async () => {
    const logits = tf.tensor2d([
      [3, -3],
      [-0.5, 0.5],
    ]);
    const targets = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const loss = multilabelHead.loss(logits, { inputs: [], targets, size: 2, posWeight: [1, 2] });
    expect(loss.dataSync()[0]).toBeGreaterThan(0);
    const config = { dropout: 0, tta: 'none' as const, thresholds: [0.9, 0.9] };
    const m = multilabelHead.metricInputs(logits, { inputs: [], targets, size: 2 }, { config });
    expect((m.predictions as tf.Tensor).shape).toEqual([2, 2]);
    expect((m.targets as tf.Tensor).shape).toEqual([2, 2]);
    expect(m.thresholds).toEqual([0.9, 0.9]);
    const d = multilabelHead.metricInputs(logits, { inputs: [], targets, size: 2 });
    expect(d.thresholds).toBe(0.5);
    const batch = { inputs: [], size: 2 };
    const model = new FlatBase();
    const labels = ['effusion', 'nodule'];
    const [a, b] = await multilabelHead.predict(logits, { labels, model, batch });
    expect(a?.value).toEqual(['effusion']);
    expect(b?.value).toEqual(['nodule']);
    // sigmoid(0.5) = 0.62 is below 0.9: with the config thresholds the second image has no finding.
    const [c, e] = await multilabelHead.predict(logits, { labels, model, batch, config });
    expect(c?.value).toEqual(['effusion']);
    expect(e?.value).toEqual([]);
    expect(() =>
      multilabelHead.build({
        base: model,
        architecture: 'x',
        baseConfig: {},
        features: 4,
        config: { ...config, thresholds: [0.5] },
        labels,
      }),
    ).toThrow('1 thresholds for 2 labels');
    expect(decodeMultilabel([0.3, 0.45], ['x', 'y'], [0.2, 0.5]).value).toEqual(['x']);
    expect(decodeMultilabel([0.3, 0.45], ['x', 'y']).label).toBe('y');
    expect(tuneThresholds([[0.1], [0.8], [0.6], [0.3]], [[0], [1], [1], [0]])).toEqual([0.6]);
    expect(
      posWeightsFromRows([
        [1, 0],
        [0, 0],
        [1, 0],
        [0, 1],
      ]),
    ).toEqual([1, 3]);
    tf.dispose([logits, targets, loss, m.predictions as tf.Tensor, m.targets as tf.Tensor]);
    tf.dispose([d.predictions as tf.Tensor, d.targets as tf.Tensor]);
  });

  it('averages flipped views at eval time only', () => {
    setSeed(2);
    const clf = new ImageClassifier(new FlatBase(), 4, 2, { tta: 'hflip' });
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const head = clf.getSubmodule('classifier') as Linear;
    const trainOut = clf.train().call(x);
    const plain = head.call(tf.reshape(x, [1, 4]));
    const flipped = head.call(tf.reshape(tf.reverse(x, 2), [1, 4]));
    expect(Array.from(trainOut.dataSync())).toEqual(Array.from(plain.dataSync()));
    const evalOut = clf.eval().call(x);
    const mean = tf.div(tf.add(plain, flipped), 2);
    Array.from(evalOut.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(mean.dataSync()[i]!, 6);
    });
    const direct = flipTta((v) => tf.sum(v), x, 'hvflip');
    expect(direct.dataSync()[0]).toBeCloseTo(10, 6);
    tf.dispose([x, trainOut, plain, flipped, evalOut, mean, direct]);
    clf.dispose();
  });
});

describe('class balance', () => {
  it('computes balanced and effective-number weights', () => {
    const w = classWeightsFromCounts([900, 100]);
    expect(w[0]).toBeCloseTo(1000 / 1800, 6);
    expect(w[1]).toBeCloseTo(5, 6);
    const e = classWeightsFromCounts([900, 100, 0], 'effective', 0.99);
    expect(e[2]).toBe(0);
    expect((e[0]! + e[1]!) / 2).toBeCloseTo(1, 6);
    expect(e[1]!).toBeGreaterThan(e[0]!);
  });
});
