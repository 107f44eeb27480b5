import {
  AdamW,
  ctcLoss,
  initBackend,
  type ModelBatch,
  type NamedParameter,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cerMetric, werMetric } from '../metrics/error-rate.js';
import { codesToText } from '../metrics/text-codes.js';
import { ctcHead, ctcHeadConfig } from './ctc-head.js';
import type { CtcOutput } from './ctc-model.js';
import { padCtcTargets } from './ctc-targets.js';
import { buildCharVocabulary, CtcVocabulary } from './ctc-vocabulary.js';
import { TinyEncoder } from './testing/tiny-encoder.js';

const LABELS = buildCharVocabulary(['abc']); // <pad>, <unk>, |, a, b, c
const vocab = new CtcVocabulary(LABELS);
const config = ctcHeadConfig.parse({ dropout: 0 });
const context = { config, labels: LABELS };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

function build(options: { prefix?: string; architecture?: string; report?: 'lengths' | 'mask' } = {}) {
  setSeed(3);
  return ctcHead.build({
    base: new TinyEncoder(8, 16, options.report ?? 'lengths', options.prefix),
    architecture: options.architecture ?? 'speech/wav2vec2',
    baseConfig: {},
    features: 16,
    config,
    labels: LABELS,
  });
}

/** Fixed random features `[B, T, 8]`, valid lengths, and the same transcript for every example. */
function batchOf(text: string, lengths: number[], frames = 12): ModelBatch {
  const b = lengths.length;
  const features = tf.randomNormal([b, frames, 8], 0, 1, 'float32', 11);
  const ids = vocab.encode(text);
  return {
    inputs: [features, tf.tensor1d(lengths, 'int32')],
    targets: padCtcTargets(lengths.map(() => ids)),
    size: b,
  };
}

const disposeBatch = (b: ModelBatch) => tf.dispose([...(b.inputs as tf.Tensor[]), b.targets as tf.Tensor]);

describe('speech/ctc build', () => {
  it('names the model as HF Wav2Vec2ForCTC: the base child, dropout, lm_head over the vocabulary', () => {
    const headed = build();
    expect(headed.basePath).toBe('wav2vec2');
    expect(headed.headPaths).toEqual(['lm_head']);
    const names = headed.model.namedParameters().map(([n]) => n);
    expect(names).toEqual(['wav2vec2.proj.weight', 'wav2vec2.proj.bias', 'lm_head.weight', 'lm_head.bias']);
    expect(headed.model.getSubmodule('lm_head').stateDict().get('weight')?.shape).toEqual([
      16,
      LABELS.length,
    ]);
    headed.model.dispose();
  });

  it("takes the base's own prefix, else HF's for the model type, else the architecture's last segment", () => {
    const own = build({ prefix: 'hubert' });
    expect(own.basePath).toBe('hubert');
    own.model.dispose();
    const other = build({ architecture: 'speech/conformer' });
    expect(other.basePath).toBe('conformer');
    other.model.dispose();
  });

  it('refuses a run without labels or without the blank among them', () => {
    const args = { base: new TinyEncoder(8, 16), architecture: 'x', baseConfig: {}, features: 16, config };
    expect(() => ctcHead.build({ ...args, labels: undefined })).toThrow(/vocabulary as the run's label set/);
    expect(() => ctcHead.build({ ...args, labels: ['a', 'b'] })).toThrow(/no blank token '<pad>'/);
  });
});

describe('speech/ctc loss and decoding', () => {
  it('is core ctcLoss over the encoder output lengths, with -100 target padding removed', () => {
    const headed = build();
    const batch: ModelBatch = {
      inputs: [tf.randomNormal([2, 10, 8], 0, 1, 'float32', 5), tf.tensor1d([10, 6], 'int32')],
      targets: padCtcTargets([vocab.encode('ab c'), vocab.encode('b')]),
      size: 2,
    };
    const out = headed.model.forward(...batch.inputs) as CtcOutput;
    expect(Array.from(out.outputLengths.dataSync())).toEqual([10, 6]);
    const loss = ctcHead.loss(out, batch, context).dataSync()[0]!;
    const y = tf.tensor2d([3, 4, 2, 5, 4, 0, 0, 0], [2, 4], 'int32');
    const expected = ctcLoss(out.logits, [10, 6], y, [4, 1]).dataSync()[0]!;
    expect(loss).toBeCloseTo(expected, 5);
    // The sum reduction of the head config reaches the loss.
    const sum = ctcHead.loss(out, batch, { ...context, config: { ...config, reduction: 'sum' } });
    expect(sum.dataSync()[0]).toBeCloseTo(
      ctcLoss(out.logits, [10, 6], y, [4, 1], { reduction: 'sum' }).dataSync()[0]!,
      4,
    );
    tf.dispose([out.logits, out.outputLengths, y, sum]);
    disposeBatch(batch);
    headed.model.dispose();
  });

  it('gives loss 0 for a transcript too long for its frames by default, Infinity without zeroInfinity', () => {
    const headed = build();
    const batch = batchOf('abcabc', [3]);
    const out = headed.model.forward(...batch.inputs) as CtcOutput;
    expect(ctcHead.loss(out, batch, context).dataSync()[0]).toBe(0);
    const strict = { ...context, config: { ...config, zeroInfinity: false } };
    expect(ctcHead.loss(out, batch, strict).dataSync()[0]).toBe(Infinity);
    tf.dispose([out.logits, out.outputLengths]);
    disposeBatch(batch);
    headed.model.dispose();
  });

  it('decodes greedily within each output length, for metrics (code points) and predict (text)', async () => {
    const headed = build();
    const batch = batchOf('ab', [4, 2], 4);
    // Frames spell "a a <pad> b" and "b b | c": the second example has only 2 valid frames.
    const frames = [3, 3, 0, 4, 4, 4, 2, 5];
    const out: CtcOutput = {
      logits: tf
        .mul(tf.oneHot(tf.tensor1d(frames, 'int32'), LABELS.length), 5)
        .reshape([2, 4, LABELS.length]),
      outputLengths: tf.tensor1d([4, 2], 'int32'),
    };
    const m = ctcHead.metricInputs(out, batch, context);
    expect((m.predictions as number[][]).map(codesToText)).toEqual(['ab', 'b']);
    expect((m.targets as number[][]).map(codesToText)).toEqual(['ab', 'ab']);
    const preds = await ctcHead.predict(out, { labels: LABELS, model: headed.model, batch, config });
    expect(preds).toEqual([{ value: 'ab' }, { value: 'b' }]);
    expect(() => ctcHead.metricInputs(out, batch, { config })).toThrow(/vocabulary as the run's label set/);
    tf.dispose([out.logits, out.outputLengths]);
    disposeBatch(batch);
    headed.model.dispose();
  });
});

describe('speech/ctc training', () => {
  it('learns to emit a fixed transcript in 50 steps (CER and WER reach 0) without leaking tensors', () => {
    const headed = build();
    const model = headed.model;
    model.train();
    const params: NamedParameter[] = model.namedParameters({ trainableOnly: true });
    const opt = new AdamW(params, { lr: 5e-2, weightDecay: 0 });
    const text = 'ab ca';
    const evaluate = () => {
      model.eval();
      const batch = batchOf(text, [12, 10, 12, 11]);
      const out = model.forward(...batch.inputs) as CtcOutput;
      const cer = cerMetric.create();
      const wer = werMetric.create();
      const m = ctcHead.metricInputs(out, batch, context);
      cer.update(m.predictions as number[][], m.targets as number[][]);
      wer.update(m.predictions as number[][], m.targets as number[][]);
      tf.dispose([out.logits, out.outputLengths]);
      disposeBatch(batch);
      model.train();
      return { cer: cer.compute(), wer: wer.compute() };
    };
    expect(evaluate().cer).toBeGreaterThan(0.5);
    const counts: number[] = [];
    let first = 0;
    let last = 0;
    for (let step = 0; step < 50; step++) {
      const batch = batchOf(text, [12, 10, 12, 11]);
      const { value, grads } = valueAndGrads(params, () =>
        ctcHead.loss(model.forward(...batch.inputs) as CtcOutput, batch, context),
      );
      opt.step(grads);
      const loss = value.dataSync()[0]!;
      if (step === 0) first = loss;
      last = loss;
      tf.dispose([value, ...grads.values()]);
      disposeBatch(batch);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(2)).size).toBe(1);
    expect(last).toBeLessThan(first * 0.1);
    expect(evaluate()).toEqual({ cer: 0, wer: 0 });
    opt.dispose();
    model.dispose();
  });
});
