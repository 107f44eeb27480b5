import { Rng, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/fixtures.js';
import { wav2vec2Config } from './config.js';
import { Wav2Vec2Model } from './model.js';
import { computeSpanMask } from './spec-augment.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Start indices of the runs of ones in one row. */
function runs(row: Uint8Array): number[] {
  return [...row.keys()].filter((i) => row[i] === 1 && (i === 0 || row[i - 1] === 0));
}

describe('SpecAugment span masks (HF _compute_mask_indices)', () => {
  it('masks prob * length / span spans per row, inside each row, repeatably', () => {
    const settings = { prob: 0.2, spanLength: 5, minMasks: 2 };
    const m = computeSpanMask(new Rng(3), 2, 100, settings, [100, 40]);
    const row0 = m.subarray(0, 100);
    const row1 = m.subarray(100, 200);
    // Row 0: floor(0.2 * 100 / 5 + eps) = 4 spans of 5 (overlaps merge), row 1: max(floor(1.6 + eps), 2).
    const sum = (r: Uint8Array) => r.reduce((a, b) => a + b, 0);
    expect(sum(row0)).toBeGreaterThanOrEqual(5);
    expect(sum(row0)).toBeLessThanOrEqual(20);
    expect(runs(row0).length).toBeGreaterThanOrEqual(1);
    expect(sum(row1)).toBeGreaterThanOrEqual(5);
    expect(sum(row1)).toBeLessThanOrEqual(10);
    expect(row1.subarray(40).every((v) => v === 0)).toBe(true);
    expect(computeSpanMask(new Rng(3), 2, 100, settings, [100, 40])).toEqual(m);
    expect(computeSpanMask(new Rng(4), 2, 100, settings, [100, 40])).not.toEqual(m);
  });

  it('keeps at least minMasks spans, never more than fit, and leaves short axes alone', () => {
    const rng = new Rng(1);
    const few = computeSpanMask(rng, 1, 30, { prob: 0.01, spanLength: 10, minMasks: 2 });
    expect(few.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
    const full = computeSpanMask(rng, 1, 30, { prob: 1, spanLength: 10, minMasks: 0 });
    expect(full.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30);
    expect(computeSpanMask(rng, 1, 8, { prob: 0.5, spanLength: 10, minMasks: 2 }).every((v) => v === 0)).toBe(
      true,
    );
    expect(computeSpanMask(rng, 1, 30, { prob: 0, spanLength: 10, minMasks: 2 }).every((v) => v === 0)).toBe(
      true,
    );
  });
});

describe('Wav2Vec2Model SpecAugment', () => {
  const base = {
    hidden_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 16,
    conv_dim: [8],
    conv_kernel: [4],
    conv_stride: [2],
    num_conv_pos_embeddings: 4,
    num_conv_pos_embedding_groups: 2,
    hidden_dropout: 0,
    activation_dropout: 0,
    attention_dropout: 0,
    layerdrop: 0,
    mask_time_length: 4,
  };

  it('changes the training forward only, repeatably under setSeed, and not with apply_spec_augment false', () => {
    setSeed(1);
    const model = new Wav2Vec2Model(
      wav2vec2Config({ ...base, mask_time_prob: 0.3, mask_feature_prob: 0.3, mask_feature_length: 2 }),
    );
    const wav = tf.randomNormal([2, 80], 0, 1, 'float32', 101);
    const evalOut = model.eval().call(wav).lastHiddenState;
    model.train();
    setSeed(5);
    const a = model.call(wav).lastHiddenState;
    setSeed(5);
    const b = model.call(wav).lastHiddenState;
    expect(maxAbsDiff(a, evalOut)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a, b)).toBe(0);
    const off = new Wav2Vec2Model(
      wav2vec2Config({ ...base, mask_time_prob: 0.3, apply_spec_augment: false }),
    );
    const offEval = off.eval().call(wav).lastHiddenState;
    const offTrain = off.train().call(wav).lastHiddenState;
    expect(maxAbsDiff(offEval, offTrain)).toBe(0);
    tf.dispose([wav, evalOut, a, b, offEval, offTrain]);
    model.dispose();
    off.dispose();
  });

  it('puts masked_spec_embed in the time-masked frames (before the encoder)', () => {
    setSeed(2);
    const model = new Wav2Vec2Model(wav2vec2Config({ ...base, mask_time_prob: 0.5 }));
    model.train();
    // The masked frames are the ones whose encoder input equals masked_spec_embed.
    const seen: tf.Tensor[] = [];
    const encoder = model.getSubmodule('encoder');
    const original = encoder.forward.bind(encoder);
    encoder.forward = (h: tf.Tensor, m: tf.Tensor | undefined) => {
      seen.push(tf.keep(h.clone()));
      return original(h, m);
    };
    const wav = tf.randomNormal([1, 80], 0, 1, 'float32', 102);
    const out = model.call(wav);
    const h = seen[0]!;
    const embed = model.maskedSpecEmbed!.value;
    const equal = tf.tidy(() => tf.all(tf.less(tf.abs(tf.sub(h, embed)), 1e-7), 2).dataSync());
    const masked = Array.from(equal).filter(Boolean).length;
    expect(masked).toBeGreaterThanOrEqual(4);
    expect(masked).toBeLessThan(h.shape[1] as number);
    tf.dispose([wav, h, ...Object.values(out)]);
    model.dispose();
  });
});
