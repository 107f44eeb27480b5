import { AdamW, initBackend, type ModelBatch, setSeed, valueAndGrads } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TinyEncoder } from './testing/tiny-encoder.js';
import {
  utteranceClassificationHead as head,
  utteranceClassificationHeadConfig,
} from './utterance-classification-head.js';
import type { UtterancePooling } from './utterance-classification-model.js';

const LABELS = ['en-gb', 'en-us', 'en-sc'];

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

function build(pooling: UtterancePooling, report: 'lengths' | 'mask' = 'lengths') {
  setSeed(5);
  return head.build({
    base: new TinyEncoder(6, 12, report),
    architecture: 'speech/whisper',
    baseConfig: {},
    features: 12,
    config: utteranceClassificationHeadConfig.parse({ pooling, projectorSize: 8, attentionSize: 4 }),
    labels: LABELS,
  });
}

const forward = (model: ReturnType<typeof build>['model'], x: tf.Tensor, lengths: number[]) =>
  tf.tidy(() => model.forward(x, tf.tensor1d(lengths, 'int32')) as tf.Tensor);

describe('speech/utterance-classification build', () => {
  it('names the modules as HF (projector, classifier; the base child from the model type)', () => {
    const mean = build('mean');
    expect(mean.basePath).toBe('encoder'); // WhisperForAudioClassification
    expect(mean.headPaths).toEqual(['projector', 'classifier']);
    expect(mean.model.namedParameters().map(([n]) => n)).toEqual([
      'encoder.proj.weight',
      'encoder.proj.bias',
      'projector.weight',
      'projector.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    mean.model.dispose();
    const attentive = build('attentive');
    expect(attentive.headPaths).toEqual(['projector', 'pooler', 'classifier']);
    const shapes = Object.fromEntries(attentive.model.namedParameters().map(([n, p]) => [n, p.shape]));
    expect(shapes['pooler.attention.weight']).toEqual([8, 4]);
    expect(shapes['pooler.score.weight']).toEqual([4, 1]);
    expect(shapes['classifier.weight']).toEqual([16, 3]); // [mean, std] of the 8 projected features
    attentive.model.dispose();
  });

  it('refuses fewer than two labels', () => {
    const args = {
      base: new TinyEncoder(6, 12),
      architecture: 'speech/wav2vec2',
      baseConfig: {},
      features: 12,
      config: utteranceClassificationHeadConfig.parse({}),
    };
    expect(() => head.build({ ...args, labels: ['only'] })).toThrow(/at least 2 classes \(got 1\)/);
  });
});

describe.each([
  ['mean', 'lengths'],
  ['attentive', 'lengths'],
  ['attentive', 'mask'],
] as const)('%s pooling with the encoder reporting %s', (pooling, report) => {
  it('ignores padded frames: their values change nothing, and a padded example equals it unpadded', () => {
    const { model } = build(pooling, report);
    model.eval();
    const x = tf.randomNormal([2, 9, 6], 0, 1, 'float32', 2);
    const lengths = [9, 5];
    const a = forward(model, x, lengths);
    // Frames 5..8 of example 1 are padding: fill them with huge values.
    const junk = tf.tidy(() => {
      const pad = tf.concat([
        tf.zeros([1, 9, 6]),
        tf.concat([tf.zeros([1, 5, 6]), tf.fill([1, 4, 6], 1e4)], 1),
      ]);
      return tf.add(x, pad);
    });
    const b = forward(model, junk, lengths);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    // Example 1 alone with only its 5 frames.
    const alone = tf.tidy(() => forward(model, tf.slice(x, [1, 0, 0], [1, 5, 6]), [5]));
    const row1 = Array.from(a.dataSync()).slice(3);
    Array.from(alone.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(row1[i]!, 5);
    });
    // And the padding matters at all: without lengths, the padded frames are pooled too.
    const unmasked = tf.tidy(() => model.forward(junk) as tf.Tensor);
    expect(Array.from(unmasked.dataSync()).slice(3)).not.toEqual(row1);
    tf.dispose([x, a, junk, b, alone, unmasked]);
    model.dispose();
  });
});

describe('speech/utterance-classification training', () => {
  it.each(['mean', 'attentive'] as const)(
    '%s: cross-entropy falls, predictions carry labels and probabilities, no tensor growth',
    async (pooling) => {
      const { model } = build(pooling);
      model.train();
      const params = model.namedParameters({ trainableOnly: true });
      const opt = new AdamW(params, { lr: 3e-2, weightDecay: 0 });
      // Class k: features shifted by k - 1, with varying lengths and padding noise.
      const batchOf = (seed: number): ModelBatch => {
        const y = [0, 1, 2, 0, 1, 2];
        const x = tf.tidy(() =>
          tf.add(
            tf.randomNormal([6, 7, 6], 0, 0.5, 'float32', seed),
            tf.tensor3d(
              y.flatMap((k) => Array(7 * 6).fill(k - 1)),
              [6, 7, 6],
            ),
          ),
        );
        return {
          inputs: [x, tf.tensor1d([7, 4, 6, 5, 7, 3], 'int32')],
          targets: tf.tensor1d(y, 'int32'),
          size: 6,
        };
      };
      const dispose = (b: ModelBatch) => tf.dispose([...(b.inputs as tf.Tensor[]), b.targets as tf.Tensor]);
      const counts: number[] = [];
      const losses: number[] = [];
      for (let step = 0; step < 30; step++) {
        const batch = batchOf(step + 1);
        const { value, grads } = valueAndGrads(params, () =>
          head.loss(model.forward(...batch.inputs) as tf.Tensor, batch, {
            config: utteranceClassificationHeadConfig.parse({ pooling }),
          }),
        );
        opt.step(grads);
        losses.push(value.dataSync()[0]!);
        tf.dispose([value, ...grads.values()]);
        dispose(batch);
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts.slice(2)).size).toBe(1);
      expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);

      model.eval();
      const batch = batchOf(99);
      const logits = tf.tidy(() => model.forward(...batch.inputs) as tf.Tensor);
      const m = head.metricInputs(logits, batch);
      expect((m.predictions as tf.Tensor).shape).toEqual([6, 3]);
      tf.dispose([m.predictions as tf.Tensor]);
      const preds = await head.predict(logits, { labels: LABELS, model, batch });
      expect(preds.map((p) => p.label)).toEqual(['en-gb', 'en-us', 'en-sc', 'en-gb', 'en-us', 'en-sc']);
      for (const p of preds) {
        expect(Object.keys(p.probabilities!)).toEqual(LABELS);
        expect(Object.values(p.probabilities!).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      }
      tf.dispose([logits]);
      dispose(batch);
      opt.dispose();
      model.dispose();
    },
  );
});
