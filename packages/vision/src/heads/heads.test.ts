import { arrayDataset, crossEntropy, Flatten, type Linear, Module, Rng, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ViTModel } from '../models/vit/model.js';
import { classBalancedDataset, classWeightsFromCounts, posWeightsFromRows } from './class-balance.js';
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
      imageSize: 8,
      patchSize: 4,
      hiddenSize: 8,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      intermediateSize: 16,
    });
    const built = classificationHead.build({
      base: vit,
      architecture: 'vit',
      baseConfig: vit.config,
      features: 8,
      config: { dropout: 0, tta: 'none' },
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
      config: { dropout: 0, tta: 'none' },
      labels: ['a', 'b'],
    });
    expect([resnet.basePath, resnet.headPaths]).toEqual(['resnet', ['fc']]);
    expect(() =>
      classificationHead.build({
        base: vit,
        architecture: 'x',
        baseConfig: {},
        features: undefined,
        config: { dropout: 0, tta: 'none' },
        labels: ['a', 'b'],
      }),
    ).toThrow('does not state its output features');
    built.model.dispose();
  });

  it('weights the loss per example and decodes probabilities', async () => {
    const logits = tf.tensor2d([
      [2, 0],
      [0, 1],
      [1, 1],
    ]);
    const targets = tf.tensor1d([0, 1, 1], 'int32');
    const w = [1, 3];
    const sampleWeights = tf.tensor1d([w[0]!, w[1]!, w[1]!]);
    const loss = classificationHead.loss(logits, { inputs: [], targets, sampleWeights, size: 3 });
    const expected = crossEntropy(logits, targets, { classWeights: w });
    expect(loss.dataSync()[0]).toBeCloseTo(expected.dataSync()[0]!, 6);
    const ctx = { model: new FlatBase(), batch: { inputs: [], size: 3 } };
    const [p] = await classificationHead.predict(logits, { labels: ['normal', 'pneumonia'], ...ctx });
    expect(p?.label).toBe('normal');
    expect(p?.probabilities?.['normal']).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    const m = classificationHead.metricInputs(logits, { inputs: [], targets, size: 3 });
    expect((m.predictions as tf.Tensor).shape).toEqual([3, 2]);
    tf.dispose([logits, targets, sampleWeights, loss, expected, m.predictions as tf.Tensor]);
  });

  it('multi-label: BCE with positive weights, thresholds, flattened metric inputs', async () => {
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
    const m = multilabelHead.metricInputs(logits, { inputs: [], targets, size: 2 });
    expect((m.predictions as tf.Tensor).shape).toEqual([4]);
    const batch = { inputs: [], size: 2 };
    const [a, b] = await multilabelHead.predict(logits, {
      labels: ['effusion', 'nodule'],
      model: new FlatBase(),
      batch,
    });
    expect(a?.value).toEqual(['effusion']);
    expect(b?.value).toEqual(['nodule']);
    // Thresholds from the head config travel on the model.
    const built = multilabelHead.build({
      base: new FlatBase(),
      architecture: 'x',
      baseConfig: {},
      features: 4,
      config: { dropout: 0, tta: 'none', thresholds: [0.9, 0.9] },
      labels: ['effusion', 'nodule'],
    });
    const [c] = await multilabelHead.predict(logits, {
      labels: ['effusion', 'nodule'],
      model: built.model,
      batch,
    });
    expect(c?.value).toEqual(['effusion']);
    const [, d] = await multilabelHead.predict(logits, {
      labels: ['effusion', 'nodule'],
      model: built.model,
      batch,
    });
    expect(d?.value).toEqual([]);
    built.model.dispose();
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

  it('samples classes equally and reproducibly', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ y: i < 90 ? 0 : 1 }));
    const a = await classBalancedDataset(arrayDataset(items), (e) => e.y, 2, new Rng(3), 2000);
    let ones = 0;
    for (let i = 0; i < a.length; i++) ones += (await a.get(i)).y;
    expect(ones / a.length).toBeGreaterThan(0.45);
    expect(ones / a.length).toBeLessThan(0.55);
    const b = await classBalancedDataset(arrayDataset(items), (e) => e.y, 2, new Rng(3), 2000);
    expect(await b.get(17)).toBe(await a.get(17));
  });
});
