import {
  AdamW,
  type AnyModule,
  disposeGradients,
  type EvalOutput,
  getPeftModel,
  type HeadedModel,
  type ModelBatch,
  rootPlacement,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bertConfig } from '../models/bert/config.js';
import { BertModel } from '../models/bert/model.js';
import { bertPlacement } from '../models/bert/placement.js';
import { distilBertConfig } from '../models/distilbert/config.js';
import { DistilBertModel } from '../models/distilbert/model.js';
import { distilBertPlacement } from '../models/distilbert/placement.js';
import { maskedLmHead as head, type MaskedLmOutputs } from './masked-lm-head.js';

const VOCAB = 40;
const B = 3;
const T = 8;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const families = {
  bert: {
    basePath: 'bert',
    placement: bertPlacement,
    base: () =>
      new BertModel(
        bertConfig({
          vocab_size: VOCAB,
          hidden_size: 16,
          num_hidden_layers: 2,
          num_attention_heads: 2,
          intermediate_size: 32,
          max_position_embeddings: 32,
        }),
        { addPoolingLayer: false },
      ),
  },
  distilbert: {
    basePath: 'distilbert',
    placement: distilBertPlacement,
    base: () =>
      new DistilBertModel(
        distilBertConfig({
          vocab_size: VOCAB,
          dim: 16,
          n_layers: 2,
          n_heads: 2,
          hidden_dim: 32,
          max_position_embeddings: 32,
        }),
      ),
  },
} as const;

type Family = keyof typeof families;

function build(family: Family): HeadedModel {
  setSeed(7);
  return head.build({
    base: families[family].base(),
    architecture: family,
    baseConfig: undefined,
    features: 16,
    config: {},
    labels: undefined,
  });
}

/** A padded batch with ~25% scored positions (targets elsewhere -100), varying with `seed`. */
function batchOf(seed: number): ModelBatch {
  const ids: number[] = [];
  const mask: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < B; b++) {
    const length = T - b; // right padding on later rows
    for (let t = 0; t < T; t++) {
      const real = t < length;
      const id = real ? 5 + ((seed * 7 + b * 11 + t * 3) % (VOCAB - 5)) : 0;
      ids.push(id);
      mask.push(real ? 1 : 0);
      const scored = real && (seed + b * 3 + t * 5) % 4 === 0;
      targets.push(scored ? (id * 3 + seed) % VOCAB : -100);
    }
  }
  return {
    inputs: [
      tf.tensor2d(ids, [B, T], 'int32'),
      { attentionMask: tf.tensor2d(mask, [B, T], 'int32'), tokenTypeIds: tf.zeros([B, T], 'int32') },
    ],
    targets: tf.tensor2d(targets, [B, T], 'int32'),
    size: B,
  };
}

function disposeBatch(batch: ModelBatch): void {
  tf.dispose(batch.inputs as tf.Tensor[]);
  tf.dispose(Object.values(batch.inputs[1] as Record<string, tf.Tensor>));
  tf.dispose(batch.targets as tf.Tensor);
}

/** The plain path: the model's full `[B, T', V]` logits. */
function fullForward(model: AnyModule, batch: ModelBatch): MaskedLmOutputs {
  return model.forward(...batch.inputs) as tf.Tensor;
}

/** The head's path: logits at the scored positions only. */
function headForward(model: AnyModule, batch: ModelBatch): MaskedLmOutputs {
  return head.forward?.(model, batch, { training: true }) as MaskedLmOutputs;
}

/** Loss, gradients of every trainable parameter and metric inputs through `forward`. */
function lossGradsMetrics(
  model: AnyModule,
  batch: ModelBatch,
  forward: (m: AnyModule, b: ModelBatch) => MaskedLmOutputs,
) {
  const params = model.namedParameters({ trainableOnly: true });
  const { value, grads } = valueAndGrads(params, () => head.loss(forward(model, batch), batch));
  const loss = value.dataSync()[0] as number;
  const gradients = new Map([...grads].map(([k, g]) => [k, Array.from(g.dataSync())]));
  value.dispose();
  disposeGradients(grads);
  let metrics: EvalOutput = { predictions: [], targets: [] };
  tf.tidy(() => {
    metrics = head.metricInputs(forward(model, batch), batch);
  });
  return { loss, gradients, metrics };
}

function expectSame(a: ReturnType<typeof lossGradsMetrics>, b: ReturnType<typeof lossGradsMetrics>) {
  expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
  expect(a.metrics).toEqual(b.metrics);
  expect([...a.gradients.keys()].sort()).toEqual([...b.gradients.keys()].sort());
  for (const [name, g] of a.gradients) {
    const other = b.gradients.get(name) as number[];
    const worst = g.reduce((m, v, i) => Math.max(m, Math.abs(v - (other[i] as number))), 0);
    expect(worst, name).toBeLessThan(1e-5);
  }
}

describe.each(Object.keys(families) as Family[])('nlp/masked-lm scored positions (%s)', (family) => {
  it('gives the full-logit loss, gradients and accuracy inputs', () => {
    const { model } = build(family);
    model.eval(); // no dropout: both paths see the same activations
    const batch = batchOf(1);
    const out = tf.tidy(() => headForward(model, batch)) as { logits: tf.Tensor; targets: tf.Tensor };
    const scored = (batch.targets as tf.Tensor).dataSync().filter((y) => y !== -100).length;
    expect(scored).toBeGreaterThan(0);
    expect(scored).toBeLessThan(B * T);
    expect(out.logits.shape).toEqual([scored, VOCAB]);
    expect(out.targets.shape).toEqual([scored]);
    tf.dispose([out.logits, out.targets]);

    const fast = lossGradsMetrics(model, batch, headForward);
    const full = lossGradsMetrics(model, batch, fullForward);
    expect(Number.isFinite(fast.loss)).toBe(true);
    expect(fast.metrics.targets).toHaveLength(scored);
    expectSame(fast, full);
    disposeBatch(batch);
    model.dispose();
  });

  it('reads the right rows behind prompt tuning virtual tokens', () => {
    const headed = build(family);
    const peft = getPeftModel(
      headed.model,
      { peftType: 'PROMPT_TUNING', numVirtualTokens: 3 },
      { placement: rootPlacement(families[family].placement, { ...headed, headPaths: [] }) },
    );
    peft.eval();
    const batch = batchOf(2);
    const full = tf.tidy(() => fullForward(peft, batch)) as tf.Tensor;
    expect(full.shape).toEqual([B, T + 3, VOCAB]);
    full.dispose();
    expectSame(lossGradsMetrics(peft, batch, headForward), lossGradsMetrics(peft, batch, fullForward));
    disposeBatch(batch);
    peft.dispose();
  });

  it('keeps the tensor count flat across training steps', () => {
    const { model } = build(family);
    model.train();
    const params = model.namedParameters({ trainableOnly: true });
    const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
    const counts: number[] = [];
    for (let step = 0; step < 6; step++) {
      const batch = batchOf(step);
      const { value, grads } = valueAndGrads(params, () => head.loss(headForward(model, batch), batch));
      opt.step(grads);
      value.dispose();
      disposeGradients(grads);
      disposeBatch(batch);
      counts.push(tf.memory().numTensors);
    }
    // Step 1 creates the optimizer's moments; from then on nothing may leak.
    expect(new Set(counts.slice(1)).size).toBe(1);
    opt.dispose();
    model.dispose();
  });

  it('predicts from full logits even when the forward gathered', async () => {
    const { model } = build(family);
    model.eval();
    const batch = batchOf(3);
    const gathered = tf.tidy(() => headForward(model, batch));
    const full = tf.tidy(() => fullForward(model, batch));
    const before = tf.memory().numTensors;
    const fromGathered = await head.predict(gathered, { labels: undefined, model, batch });
    expect(tf.memory().numTensors).toBe(before);
    const fromFull = await head.predict(full, { labels: undefined, model, batch });
    expect(fromGathered).toEqual(fromFull);
    expect(fromFull[0]?.value).toHaveLength(T);
    tf.dispose([
      full,
      (gathered as { logits: tf.Tensor }).logits,
      (gathered as { targets: tf.Tensor }).targets,
    ]);
    disposeBatch(batch);
    model.dispose();
  });

  it('falls back to the full logits when a batch has no scored position', () => {
    const { model } = build(family);
    model.eval();
    const batch = batchOf(4);
    const none = { ...batch, targets: tf.fill([B, T], -100, 'int32') };
    const out = tf.tidy(() => headForward(model, none));
    expect(out instanceof tf.Tensor && out.shape).toEqual([B, T, VOCAB]);
    tf.dispose([out as tf.Tensor, none.targets]);
    disposeBatch(batch);
    model.dispose();
  });
});
