import * as path from 'node:path';
import { crossEntropy, getPeftModel, initBackend, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainCopyTask } from '../../testing/copy-task.js';
import { SEQ2SEQ_FIXTURES } from '../../testing/seq2seq-parity.js';
import { loadBartCheckpoint } from '../bart/checkpoint.js';
import { bartPlacement } from '../bart/placement.js';
import { loadT5Checkpoint } from '../t5/checkpoint.js';
import { t5Config } from '../t5/config.js';
import { T5ForConditionalGeneration } from '../t5/model.js';
import { t5Placement } from '../t5/placement.js';
import { seq2seqLmLoss, shiftTokensRight } from './seq2seq-loss.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const T5 = t5Config({
  vocab_size: 24,
  d_model: 16,
  d_kv: 4,
  d_ff: 24,
  num_layers: 2,
  num_heads: 4,
  relative_attention_num_buckets: 8,
  dropout_rate: 0.1,
});

describe('seq2seq LM loss', () => {
  it('shifts labels right behind the start token, padding ignored labels', () => {
    const labels = tf.tensor2d(
      [
        [5, 6, 1, -100],
        [7, 1, -100, -100],
      ],
      undefined,
      'int32',
    );
    const dec = shiftTokensRight(labels, { decoderStartTokenId: 2, padTokenId: 0 });
    expect(dec.arraySync()).toEqual([
      [2, 5, 6, 1],
      [2, 7, 1, 0],
    ]);
    tf.dispose([labels, dec]);
  });

  it('equals cross-entropy of the teacher-forced logits over non-ignored labels, with label smoothing', () => {
    setSeed(1);
    const model = new T5ForConditionalGeneration(T5).eval();
    const ids = tf.tensor2d([[3, 4, 5, 1]], undefined, 'int32');
    const labels = tf.tensor2d([[6, 7, 1, -100]], undefined, 'int32');
    const loss = seq2seqLmLoss(model, ids, labels, { labelSmoothing: 0.1 });
    // By hand: logits of the first three positions, smoothed cross-entropy averaged over them.
    const { logits } = model.call(ids, { decoderInputIds: tf.tensor2d([[0, 6, 7, 1]], undefined, 'int32') });
    const logp = tf.logSoftmax(logits).arraySync() as number[][][];
    let expected = 0;
    [6, 7, 1].forEach((y, i) => {
      const row = logp[0]?.[i] as number[];
      const mean = row.reduce((s, v) => s + v, 0) / row.length;
      expected += -(0.9 * (row[y] as number) + 0.1 * mean);
    });
    expect(loss.dataSync()[0]).toBeCloseTo(expected / 3, 5);
    const plain = crossEntropy(
      tf.slice(logits, [0, 0, 0], [1, 3, 24]),
      tf.tensor2d([[6, 7, 1]], undefined, 'int32'),
    );
    expect(seq2seqLmLoss(model, ids, labels).dataSync()[0]).toBeCloseTo(plain.dataSync()[0] as number, 6);
    model.dispose();
  });

  // The PyTorch fixtures (weights of std 0.4) rather than fresh models: HF's small init leaves
  // q/v adapters almost no signal to learn from in a few steps.
  for (const [name, load] of [
    [
      't5',
      async () => {
        const { model, config } = await loadT5Checkpoint(path.join(SEQ2SEQ_FIXTURES, 't5-v1_0'));
        return { model, placement: t5Placement(config) };
      },
    ],
    [
      'bart',
      async () => {
        const { model, config } = await loadBartCheckpoint(path.join(SEQ2SEQ_FIXTURES, 'bart'));
        return { model, placement: bartPlacement(config) };
      },
    ],
  ] as const) {
    it(`LoRA on self- and cross-attention q/v of ${name} learns a copy task; tensor count stays flat`, async () => {
      setSeed(2);
      const { model, placement } = await load();
      const peft = getPeftModel(
        model,
        { peftType: 'LORA', r: 4, loraAlpha: 8, targetRoles: ['attn.q', 'attn.v', 'xattn.q', 'xattn.v'] },
        { placement },
      );
      peft.train();
      const params = peft.namedParameters({ trainableOnly: true });
      expect(params.every(([n]) => n.includes('lora_'))).toBe(true);
      const { first, last, tensorGrowth } = trainCopyTask(model, params, { lr: 0.02, steps: 25 });
      expect(tensorGrowth).toBe(0);
      expect(last).toBeLessThan(first * 0.5);
      peft.dispose();
    });
  }
});
