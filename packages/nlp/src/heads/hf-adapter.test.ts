import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Linear, PeftModel, saveSafetensors, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bertConfig } from '../models/bert/config.js';
import { BertModel } from '../models/bert/model.js';
import type { TextInputs } from '../models/task/backbone.js';
import { SequenceClassificationModel } from '../models/task/sequence-classification.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CONFIG = bertConfig({
  vocab_size: 30,
  hidden_size: 8,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 16,
});

/** The adapter_config.json HF PEFT 0.13 writes for LoRA on BertForSequenceClassification. */
const HF_CONFIG = {
  alpha_pattern: {},
  auto_mapping: null,
  base_model_name_or_path: 'tiny-bert',
  bias: 'none',
  fan_in_fan_out: false,
  inference_mode: true,
  init_lora_weights: true,
  layer_replication: null,
  layers_pattern: null,
  layers_to_transform: null,
  loftq_config: {},
  lora_alpha: 4,
  lora_dropout: 0.0,
  megatron_config: null,
  megatron_core: 'megatron.core',
  modules_to_save: ['classifier', 'score'],
  peft_type: 'LORA',
  r: 2,
  rank_pattern: {},
  revision: null,
  target_modules: ['query', 'value'],
  task_type: 'SEQ_CLS',
  use_dora: false,
  use_rslora: false,
};

describe('an adapter written by HF PEFT for BertForSequenceClassification', () => {
  it('loads onto SequenceClassificationModel and equals the hand-merged model', async () => {
    setSeed(11);
    const build = () => {
      setSeed(11);
      return new SequenceClassificationModel(new BertModel(CONFIG), { numLabels: 2 }).eval();
    };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-hf-adapter-'));
    const rng = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 0.3, 'float32', seed);
    const files = new Map<string, tf.Tensor>();
    let seed = 1;
    for (const layer of [0, 1]) {
      for (const proj of ['query', 'value']) {
        const key = `base_model.model.bert.encoder.layer.${layer}.attention.self.${proj}`;
        files.set(`${key}.lora_A.weight`, rng([2, 8], seed++)); // PyTorch [r, in]
        files.set(`${key}.lora_B.weight`, rng([8, 2], seed++)); // PyTorch [out, r]
      }
    }
    files.set('base_model.model.classifier.weight', rng([2, 8], seed++));
    files.set('base_model.model.classifier.bias', rng([2], seed++));
    await saveSafetensors(path.join(dir, 'adapter_model.safetensors'), files, { format: 'pt' });
    await fs.writeFile(path.join(dir, 'adapter_config.json'), JSON.stringify(HF_CONFIG));

    const peft = await PeftModel.fromPretrained(build(), dir);
    peft.eval();

    // The same model with W' = W + (alpha / r) * (B A)^T in memory layout and the HF classifier.
    const merged = build();
    const scale = HF_CONFIG.lora_alpha / HF_CONFIG.r;
    for (const layer of [0, 1]) {
      for (const proj of ['query', 'value']) {
        const key = `base_model.model.bert.encoder.layer.${layer}.attention.self.${proj}`;
        const lin = merged.getSubmodule(`bert.encoder.layer.${layer}.attention.self.${proj}`) as Linear;
        const delta = tf.tidy(() =>
          tf.transpose(
            tf.mul(tf.matMul(files.get(`${key}.lora_B.weight`)!, files.get(`${key}.lora_A.weight`)!), scale),
          ),
        );
        const w = tf.add(lin.weight.value, delta);
        lin.weight.assign(w);
        tf.dispose([w, delta]);
      }
    }
    const clf = merged.getSubmodule('classifier') as Linear;
    const cw = tf.transpose(files.get('base_model.model.classifier.weight')!);
    clf.weight.assign(cw);
    clf.bias?.assign(files.get('base_model.model.classifier.bias')!);

    const ids = tf.tensor2d([[2, 7, 9, 3, 0]], [1, 5], 'int32');
    const inputs: TextInputs = { attentionMask: tf.tensor2d([[1, 1, 1, 1, 0]], [1, 5], 'int32') };
    const a = peft.call(ids, inputs) as tf.Tensor;
    const b = merged.call(ids, inputs);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([a, b, ids, cw, inputs.attentionMask as tf.Tensor, ...files.values()]);
    peft.dispose();
    merged.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });
});
