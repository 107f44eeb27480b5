import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createPeftkit,
  disposeAll,
  loadSafetensors,
  type PeftkitHost,
  prepareRun,
  Rng,
  resolveRunConfig,
  setSeed,
  trainRun,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bertConfig } from './models/bert/config.js';
import { BertModel } from './models/bert/model.js';
import { SequenceClassificationModel } from './models/task/sequence-classification.js';
import { nlpPlugin } from './plugin.js';
import type { TextPreprocessor } from './preprocess/text-preprocessor.js';
import { sentimentPreset } from './presets/sentiment.js';
import { HUB_TEXTS, HUB_VOCAB, writeHubClassifier } from './testing/hub-fixture.js';

/**
 * A BERT directory as the Hugging Face hub serves a fine-tuned `BertForSequenceClassification`:
 * `config.json` (with `id2label`), `model.safetensors` (`bert.*` + `classifier.*`), `vocab.txt`
 * and `tokenizer_config.json`, and no `preprocessor.json`.
 */
const VOCAB = HUB_VOCAB;
const CONFIG = bertConfig({
  vocab_size: VOCAB.length,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 32,
});
const TEXTS = HUB_TEXTS;

let tmp: string;
let hub: string;
let reference: SequenceClassificationModel;
let host: PeftkitHost;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-nlp-hub-'));
  host = await createPeftkit({ plugins: [nlpPlugin] });
  setSeed(7);
  reference = new SequenceClassificationModel(new BertModel(CONFIG), { numLabels: 2 });
  hub = path.join(tmp, 'bert-sst2');
  await writeHubClassifier(hub, reference, CONFIG, 'BertForSequenceClassification');
  reference.eval();
  await fs.writeFile(path.join(hub, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
});
afterAll(async () => {
  reference.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function jsonl(name: string, labels: readonly string[]): Promise<string> {
  const file = path.join(tmp, name);
  const lines = Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({ text: TEXTS[i % TEXTS.length], class: labels[i % labels.length] }),
  );
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

function sentimentConfig(train: string, extra: Record<string, unknown> = {}) {
  return resolveRunConfig({
    preset: sentimentPreset,
    layers: [
      {
        name: 'test',
        value: {
          data: { train, eval: train },
          model: { base: hub },
          training: { maxSteps: 2, batchSize: 4 },
          ...extra,
        },
      },
    ],
  }).config;
}

describe('nlp/sentiment on a Hugging Face hub BERT directory (no preprocessor.json)', () => {
  it("takes the tokenizer from the base dir and starts from the checkpoint's classifier: same logits", async () => {
    const lines: string[] = [];
    const train = await jsonl('two.jsonl', ['negative', 'positive']);
    const prepared = await prepareRun(host, sentimentConfig(train), {
      readData: true,
      log: (l) => lines.push(l),
    });
    const pre = prepared.instance as TextPreprocessor;
    expect(pre.tokenizer.vocab.tokens()).toEqual(VOCAB);
    expect(pre.tokenizer.tokenize('the Movie was GREAT').tokens).toEqual(['the', 'movie', 'was', 'great']);
    expect(lines).toContain(
      "note: head classifier: starting from the base's weights in model.safetensors (same labels)",
    );

    const model = prepared.built.headed.model;
    model.eval();
    const encoded = await Promise.all(TEXTS.map((text) => pre.encode({ text })));
    const [ids, inputs] = pre.collate(encoded, { training: false, rng: new Rng(1) }).inputs;
    const [got, want] = tf.tidy(() => [
      model.forward(ids, inputs) as tf.Tensor,
      reference.forward(ids, inputs),
    ]);
    expect(got?.shape).toEqual([TEXTS.length, 2]);
    const g = await got!.data();
    const w = await want!.data();
    for (let i = 0; i < w.length; i++) expect(g[i]).toBeCloseTo(w[i] as number, 5);
    tf.dispose([got!, want!, ids, ...Object.values(inputs)]);
    model.dispose();
  });

  it('keeps a fresh head when the labels differ and says so', async () => {
    const lines: string[] = [];
    const train = await jsonl('three.jsonl', ['bad', 'good', 'meh']);
    const prepared = await prepareRun(host, sentimentConfig(train), {
      readData: true,
      log: (l) => lines.push(l),
    });
    expect(lines).toContain(
      'note: head classifier: the base head has 2 labels (negative, positive), the run has 3 (bad, good, meh): starting a fresh head',
    );
    prepared.built.headed.model.dispose();
  });

  it('an adapter trained on it keeps the hub tokenizer and the checkpoint head as its initial head', async () => {
    const train = await jsonl('two-train.jsonl', ['negative', 'positive']);
    const out = path.join(tmp, 'run');
    await trainRun(host, { config: sentimentConfig(train), outDir: out, progress: 'none', log: () => {} });
    expect(await fs.readFile(path.join(out, 'vocab.txt'), 'utf8')).toBe(`${VOCAB.join('\n')}\n`);
    const { tensors: head } = await loadSafetensors(path.join(out, 'head.safetensors'));
    const { tensors: hubWeights } = await loadSafetensors(path.join(hub, 'model.safetensors'), {
      keys: ['classifier.weight', 'classifier.bias'],
    });
    for (const k of ['classifier.weight', 'classifier.bias']) {
      expect([...(await head.get(k)!.data())]).toEqual([...(await hubWeights.get(k)!.data())]);
    }
    disposeAll(head);
    disposeAll(hubWeights);
  });
});
