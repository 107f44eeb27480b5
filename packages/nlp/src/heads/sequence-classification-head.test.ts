import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AdamW,
  getPeftModel,
  type ModelBatch,
  readSafetensorsHeader,
  rootPlacement,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bertConfig } from '../models/bert/config.js';
import { BertModel } from '../models/bert/model.js';
import { bertPlacement } from '../models/bert/placement.js';
import { gpt2Config } from '../models/gpt2/config.js';
import { Gpt2Model } from '../models/gpt2/model.js';
import type { TextInputs } from '../models/task/backbone.js';
import { sequenceClassificationHead as head } from './sequence-classification-head.js';

const BERT = bertConfig({
  vocab_size: 30,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 16,
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function buildBert(labels = ['neg', 'pos']) {
  setSeed(1);
  return head.build({
    base: new BertModel(BERT),
    architecture: 'bert',
    baseConfig: BERT,
    features: 16,
    config: { labelSmoothing: 0 },
    labels,
  });
}

/** Token 5 in a sentence means 'neg', token 6 'pos'; sentences are padded to 6. */
function toyBatch(seed: number): ModelBatch {
  const b = 8;
  const ids: number[] = [];
  const mask: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < b; i++) {
    const label = (i + seed) % 2;
    const len = 3 + ((i + seed) % 3);
    const row = [
      2,
      ...Array.from({ length: len - 2 }, (_, k) => (k === 0 ? 5 + label : 10 + ((i * 7 + k + seed) % 15))),
      3,
    ];
    ids.push(...row, ...new Array(6 - row.length).fill(0));
    mask.push(...row.map(() => 1), ...new Array(6 - row.length).fill(0));
    y.push(label);
  }
  return {
    inputs: [tf.tensor2d(ids, [b, 6], 'int32'), { attentionMask: tf.tensor2d(mask, [b, 6], 'int32') }],
    targets: tf.tensor1d(y, 'int32'),
    size: b,
  };
}

function disposeBatch(batch: ModelBatch): void {
  const [ids, inputs] = batch.inputs as [tf.Tensor, TextInputs];
  tf.dispose([ids, inputs.attentionMask as tf.Tensor, batch.targets as tf.Tensor]);
}

describe('nlp/sequence-classification', () => {
  it('builds HF BertForSequenceClassification names: bert + classifier', () => {
    const headed = buildBert();
    expect(headed.basePath).toBe('bert');
    expect(headed.headPaths).toEqual(['classifier']);
    const names = headed.model.namedParameters().map(([n]) => n);
    expect(names).toContain('bert.encoder.layer.1.attention.self.query.weight');
    expect(names).toContain('classifier.weight');
    headed.model.dispose();
  });

  it('trains LoRA on attn.q/attn.v for 50 steps with a flat tensor count, and learns the toy task', async () => {
    const headed = buildBert();
    const placement = rootPlacement(bertPlacement, headed);
    const peft = getPeftModel(
      headed.model,
      {
        peftType: 'LORA',
        r: 4,
        loraAlpha: 8,
        targetRoles: ['attn.q', 'attn.v'],
        modulesToSave: ['classifier'],
      },
      { placement },
    );
    peft.train();
    const params = peft.namedParameters({ trainableOnly: true });
    expect(params.every(([n]) => n.includes('lora_') || n.includes('classifier'))).toBe(true);
    const opt = new AdamW(params, { lr: 3e-2, weightDecay: 0 });
    const counts: number[] = [];
    let first = 0;
    let last = 0;
    for (let step = 0; step < 50; step++) {
      const batch = toyBatch(step);
      const { value, grads } = valueAndGrads(params, () =>
        head.loss(peft.forward(...(batch.inputs as [tf.Tensor, TextInputs])) as tf.Tensor, batch),
      );
      opt.step(grads);
      const loss = value.dataSync()[0] as number;
      if (step === 0) first = loss;
      last = loss;
      tf.dispose([value, ...grads.values()]);
      disposeBatch(batch);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(2)).size).toBe(1);
    expect(last).toBeLessThan(first * 0.5);

    peft.eval();
    const batch = toyBatch(1);
    const logits = peft.call(...(batch.inputs as [tf.Tensor, TextInputs])) as tf.Tensor;
    const preds = await head.predict(logits, { labels: ['neg', 'pos'], model: peft, batch });
    const truth = Array.from(batch.targets!.dataSync());
    expect(
      preds.filter((p, i) => p.label === ['neg', 'pos'][truth[i] as number]).length,
    ).toBeGreaterThanOrEqual(7);
    const sum = Object.values(preds[0]?.probabilities ?? {}).reduce((s, p) => s + p, 0);
    expect(sum).toBeCloseTo(1, 5);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-seqcls-'));
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const shapes = new Map(header.entries.map((e) => [e.name, e.shape]));
    expect(shapes.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight')).toEqual([
      4, 16,
    ]);
    expect(shapes.get('base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight')).toEqual([
      16, 4,
    ]);
    // modules_to_save as HF writes them: the adapter name and `modules_to_save.` are dropped.
    expect(shapes.get('base_model.model.classifier.weight')).toEqual([2, 16]);
    expect(shapes.get('base_model.model.classifier.bias')).toEqual([2]);
    await fs.rm(dir, { recursive: true, force: true });
    tf.dispose(logits);
    disposeBatch(batch);
    peft.dispose();
  });

  it('pools the last real token for GPT-2 (score, no bias) whatever the padding', () => {
    setSeed(4);
    const config = gpt2Config({ vocab_size: 20, n_positions: 8, n_embd: 8, n_layer: 1, n_head: 2 });
    const headed = head.build({
      base: new Gpt2Model(config),
      architecture: 'gpt2',
      baseConfig: config,
      features: 8,
      config: { labelSmoothing: 0 },
      labels: ['a', 'b', 'c'],
    });
    expect(headed.headPaths).toEqual(['score']);
    expect(headed.model.hasSubmodule('score')).toBe(true);
    headed.model.eval();
    const call = headed.model as unknown as { call(ids: tf.Tensor, inputs?: TextInputs): tf.Tensor };
    const alone = call.call(tf.tensor2d([[4, 5, 6]], [1, 3], 'int32'));
    const padded = call.call(tf.tensor2d([[4, 5, 6, 0, 0]], [1, 5], 'int32'), {
      attentionMask: tf.tensor2d([[1, 1, 1, 0, 0]], [1, 5], 'int32'),
    });
    expect(tf.max(tf.abs(tf.sub(alone, padded))).dataSync()[0]).toBeLessThan(1e-5);
    expect(alone.shape).toEqual([1, 3]);
    headed.model.dispose();
  });

  it('mean pooling ignores padding; a run without labels is refused', () => {
    setSeed(5);
    const headed = head.build({
      base: new BertModel(BERT),
      architecture: 'bert',
      baseConfig: BERT,
      features: 16,
      config: { pooling: 'mean', labelSmoothing: 0 },
      labels: ['x', 'y'],
    });
    headed.model.eval();
    const m = headed.model as unknown as { call(ids: tf.Tensor, inputs?: TextInputs): tf.Tensor };
    const a = m.call(tf.tensor2d([[2, 7, 3]], [1, 3], 'int32'));
    const b = m.call(tf.tensor2d([[2, 7, 3, 0]], [1, 4], 'int32'), {
      attentionMask: tf.tensor2d([[1, 1, 1, 0]], [1, 4], 'int32'),
    });
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    headed.model.dispose();
    expect(() =>
      head.build({
        base: new BertModel(BERT),
        architecture: 'bert',
        baseConfig: BERT,
        features: 16,
        config: { labelSmoothing: 0 },
        labels: undefined,
      }),
    ).toThrow(/at least 2 classes/);
  });
});
