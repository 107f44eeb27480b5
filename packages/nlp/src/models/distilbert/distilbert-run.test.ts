import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createPeftkit,
  disposeAll,
  evaluateRun,
  loadRun,
  loadSafetensors,
  type PeftkitHost,
  readSafetensorsHeader,
  resolveRunConfig,
  setSeed,
  trainRun,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from '../../plugin.js';
import { sentimentPreset } from '../../presets/sentiment.js';
import { HUB_TEXTS, HUB_VOCAB, writeHubClassifier } from '../../testing/hub-fixture.js';
import { SequenceClassificationModel } from '../task/sequence-classification.js';
import { distilBertConfig } from './config.js';
import { DistilBertModel } from './model.js';

/**
 * A DistilBERT directory as the Hugging Face hub serves a fine-tuned
 * `DistilBertForSequenceClassification` (SST-2 style): `config.json` with `id2label`,
 * `model.safetensors` (`distilbert.*`, `pre_classifier.*`, `classifier.*`) and `vocab.txt`.
 */
const CONFIG = distilBertConfig({
  vocab_size: HUB_VOCAB.length,
  dim: 16,
  n_layers: 1,
  n_heads: 2,
  hidden_dim: 32,
  max_position_embeddings: 32,
});
const HEAD_KEYS = ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'];

let tmp: string;
let hub: string;
let host: PeftkitHost;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-distilbert-run-'));
  host = await createPeftkit({ plugins: [nlpPlugin] });
  setSeed(5);
  const finetuned = new SequenceClassificationModel(new DistilBertModel(CONFIG), { numLabels: 2 });
  hub = path.join(tmp, 'distilbert-sst2');
  await writeHubClassifier(hub, finetuned, CONFIG, 'DistilBertForSequenceClassification');
  finetuned.dispose();
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('nlp/sentiment on a Hugging Face hub DistilBERT directory', () => {
  it('trains LoRA on q_lin/v_lin/word_embeddings with the checkpoint head, saves HF PEFT keys, and reloads to the same metrics', async () => {
    const train = path.join(tmp, 'train.jsonl');
    const labels = ['negative', 'positive'];
    const lines = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({ text: HUB_TEXTS[i % HUB_TEXTS.length], class: labels[i % 2] }),
    );
    await fs.writeFile(train, `${lines.join('\n')}\n`);
    const { config } = resolveRunConfig({
      preset: sentimentPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: { train, eval: train },
            // Named explicitly here; without it the base’s model_type would override the preset’s `bert`.
            model: { architecture: 'distilbert', base: hub },
            // A tuned decision threshold would apply at evaluation but not to the run's own final
            // metrics: off, so the two describe the same predictions.
            training: { maxSteps: 3, batchSize: 4, tuneThreshold: false },
          },
        },
      ],
    });
    const log: string[] = [];
    const out = path.join(tmp, 'run');
    const result = await trainRun(host, { config, outDir: out, progress: 'none', log: (l) => log.push(l) });
    expect(log).toContain(
      "note: head pre_classifier, classifier: starting from the base's weights in model.safetensors (same labels)",
    );

    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig.target_modules).toEqual(['q_lin', 'v_lin', 'word_embeddings']);
    expect(adapterConfig.modules_to_save).toEqual(['pre_classifier', 'classifier']);
    const header = await readSafetensorsHeader(path.join(out, 'adapter_model.safetensors'));
    const shapes = new Map(header.entries.map((e) => [e.name, e.shape]));
    const layer = 'base_model.model.distilbert.transformer.layer.0.attention';
    expect(shapes.get(`${layer}.q_lin.lora_A.weight`)).toEqual([8, 16]);
    expect(shapes.get(`${layer}.q_lin.lora_B.weight`)).toEqual([16, 8]);
    expect(shapes.get(`${layer}.v_lin.lora_A.weight`)).toEqual([8, 16]);
    const embedding = 'base_model.model.distilbert.embeddings.word_embeddings';
    expect(shapes.get(`${embedding}.lora_embedding_A`)?.[0]).toBe(8);
    expect(shapes.get(`${embedding}.lora_embedding_B`)).toEqual([16, 8]);
    expect(shapes.get('base_model.model.pre_classifier.weight')).toEqual([16, 16]);
    expect(shapes.get('base_model.model.classifier.weight')).toEqual([2, 16]);

    // The head's initial weights are the hub checkpoint's.
    const { tensors: head } = await loadSafetensors(path.join(out, 'head.safetensors'));
    const { tensors: hubHead } = await loadSafetensors(path.join(hub, 'model.safetensors'), {
      keys: HEAD_KEYS,
    });
    for (const k of HEAD_KEYS)
      expect([...(await head.get(k)!.data())]).toEqual([...(await hubHead.get(k)!.data())]);
    disposeAll(head);
    disposeAll(hubHead);

    const run = await loadRun(host, out);
    const evaluated = await evaluateRun(host, run, { data: train });
    expect(evaluated.metrics['loss']).toBeCloseTo(result.summary.finalMetrics?.['loss'] as number, 5);
    expect(evaluated.metrics['accuracy']).toBeCloseTo(result.summary.finalMetrics?.['accuracy'] as number, 6);
    run.model.dispose();
  });

  it("uses the base's model_type over the preset's `bert`, but not over an architecture the user set", async () => {
    const train = path.join(tmp, 'train.jsonl');
    const fromPreset = resolveRunConfig({
      preset: sentimentPreset,
      layers: [
        {
          name: 'test',
          value: { data: { train, eval: train }, model: { base: hub }, training: { maxSteps: 1 } },
        },
      ],
    });
    expect(fromPreset.config.model.architecture).toBe('bert');
    const log: string[] = [];
    const out = path.join(tmp, 'preset-arch');
    await trainRun(host, { ...fromPreset, outDir: out, progress: 'none', log: (l) => log.push(l) });
    expect(log).toContain(
      `note: model.architecture: ${hub} holds a 'distilbert' checkpoint, so distilbert is used instead of the preset's bert`,
    );
    // The manifest records what was built, so resume and load rebuild the same model.
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
    expect([manifest.architecture.id, manifest.config.model.architecture]).toEqual([
      'distilbert',
      'distilbert',
    ]);

    const userSet = resolveRunConfig({
      preset: sentimentPreset,
      layers: [{ name: 'test', value: { data: { train }, model: { base: hub, architecture: 'bert' } } }],
    });
    await expect(
      trainRun(host, { ...userSet, outDir: path.join(tmp, 'wrong-arch'), progress: 'none', log: () => {} }),
    ).rejects.toThrow(/model_type is 'distilbert', expected 'bert' \(.*set model\.architecture/);
  });
});
