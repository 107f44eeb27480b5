import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import {
  createPeftkit,
  evaluateRun,
  loadRun,
  mergeRun,
  predictRun,
  Rng,
  readSafetensorsHeader,
  resolveRunConfig,
  trainRun,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from './plugin.js';
import type { TextPreprocessor } from './preprocess/text-preprocessor.js';
import { loadTokenizer } from './preprocess/tokenizer-files.js';
import { sentimentPreset } from './presets/sentiment.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-nlp-plugin-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const GOOD = ['great', 'lovely', 'excellent', 'superb', 'wonderful'];
const BAD = ['awful', 'boring', 'terrible', 'dull', 'poor'];
const FILLER = ['the', 'movie', 'food', 'was', 'really', 'quite', 'service', 'plot', 'and', 'a'];

/** Sentences whose sentiment word decides the label, as JSONL `{text, class}` (the fixtures' shape). */
function sentences(n: number, seed: number): string {
  const rng = new Rng(seed);
  const pick = (xs: string[]) => xs[rng.int(xs.length)] as string;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    const words = Array.from({ length: 1 + rng.int(3) }, () => pick(FILLER));
    words.splice(rng.int(words.length + 1), 0, pick(y ? GOOD : BAD));
    lines.push(JSON.stringify({ text: `${words.join(' ')}.`, class: y }));
  }
  return `${lines.join('\n')}\n`;
}

/** What `saveFiles` writes for a WordPiece tokenizer. */
const TOKENIZER_DIR = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

const TINY_BERT = {
  hidden_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 64,
  max_position_embeddings: 32,
};

describe('@peftkit/nlp plugin', () => {
  it('contributes readers, the tokenizer, bert, distilbert and gpt2, heads, placements, the metric and presets', async () => {
    const host = await createPeftkit({ plugins: [nlpPlugin] });
    expect(host.presets.ids()).toEqual(
      expect.arrayContaining([
        'nlp/sentiment',
        'nlp/topic',
        'nlp/token-classification',
        'nlp/causal-lm',
        'nlp/domain-mlm',
      ]),
    );
    expect(host.architectures.ids()).toEqual(expect.arrayContaining(['bert', 'distilbert', 'gpt2']));
    expect(host.readers.ids()).toEqual(
      expect.arrayContaining(['nlp/csv', 'nlp/jsonl', 'nlp/folder', 'nlp/corpus']),
    );
    expect(host.heads.ids()).toEqual(
      expect.arrayContaining([
        'nlp/sequence-classification',
        'nlp/regression',
        'nlp/token-classification',
        'nlp/masked-lm',
        'nlp/causal-lm',
      ]),
    );
  });

  it('pretrains a tiny BERT with masked LM, then trains nlp/sentiment on it with LoRA, evaluates and predicts', async () => {
    const host = await createPeftkit({ plugins: [nlpPlugin] });
    const train = path.join(dir, 'train.jsonl');
    const test = path.join(dir, 'test.jsonl');
    await fs.writeFile(train, sentences(96, 1));
    await fs.writeFile(test, sentences(40, 2));
    const log = process.env.NLP_DEBUG ? (l: string) => console.error(l) : () => {};

    // 1. Pretrain (full training, masked LM) on the unlabelled sentences: a base with its tokenizer.
    const pre = resolveRunConfig({
      preset: sentimentPreset,
      layers: [
        { name: 'pretrain', value: sentimentPreset.pretrain?.config ?? {} },
        {
          name: 'test',
          value: {
            data: { train, eval: test, options: { target: 'none' } },
            preprocess: { options: { vocabSize: 200, maxLength: 16 } },
            model: { config: TINY_BERT },
            training: { epochs: 1, maxSteps: 4, batchSize: 16, lr: 1e-3 },
          },
        },
      ],
    }).config;
    const baseDir = path.join(dir, 'base');
    await trainRun(host, { config: pre, outDir: baseDir, progress: 'none', log });
    const baseConfig = JSON.parse(await fs.readFile(path.join(baseDir, 'config.json'), 'utf8'));
    expect(baseConfig).toMatchObject({ model_type: 'bert', hidden_size: 32 });
    const pre0 = JSON.parse(await fs.readFile(path.join(baseDir, 'preprocessor.json'), 'utf8'));
    // The vocabulary trained on the data sets the embedding size.
    expect(Object.keys(pre0.state.tokenizer.tokenizer.model.vocab)).toHaveLength(baseConfig.vocab_size);
    // A pretrained checkpoint is also a Hugging Face tokenizer directory.
    expect(await fs.readdir(baseDir)).toEqual(expect.arrayContaining(TOKENIZER_DIR));

    // 2. Adapt with the sentiment preset: LoRA on attn.q/attn.v, classifier trained whole.
    const { config } = resolveRunConfig({
      preset: sentimentPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: { train, eval: test },
            model: { base: baseDir },
            // A random tiny base: mean pooling gives LoRA + classifier a usable signal quickly.
            head: { config: { pooling: 'mean' } },
            training: { epochs: 8, batchSize: 16, lr: 3e-2, warmupRatio: 0 },
          },
        },
      ],
    });
    const out = path.join(dir, 'run');
    const result = await trainRun(host, { config, outDir: out, progress: 'none', log });
    const accuracy = result.summary.finalMetrics?.['accuracy'] as number;
    expect(accuracy).toBeGreaterThanOrEqual(0.75);

    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig.peft_type).toBe('LORA');
    expect(adapterConfig.r).toBe(8);
    const header = await readSafetensorsHeader(path.join(out, 'adapter_model.safetensors'));
    const shapes = new Map(header.entries.map((e) => [e.name, e.shape]));
    expect(shapes.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight')).toEqual([
      8, 32,
    ]);
    expect(shapes.get('base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight')).toEqual([
      32, 8,
    ]);

    const run = await loadRun(host, out);
    // Training's metrics are argmax metrics; the run also saved a decision threshold tuned on this
    // same eval data, which `eval` applies. Without it, eval reproduces training's number.
    expect(run.manifest.decisionThreshold?.examples).toBeGreaterThan(0);
    const argmax = { ...run, manifest: { ...run.manifest, decisionThreshold: undefined } };
    const evaluated = await evaluateRun(host, argmax, { data: test });
    expect(evaluated.metrics['accuracy']).toBeCloseTo(accuracy, 6);

    // The adapter directory holds the run's tokenizer as HF files: our reader and
    // @huggingface/tokenizers both read them back and tokenise exactly as the run does.
    expect(await fs.readdir(out)).toEqual(expect.arrayContaining(TOKENIZER_DIR));
    const runTokenizer = (run.instance as TextPreprocessor).tokenizer;
    const ours = await loadTokenizer(out);
    const hf = new HfTokenizer(JSON.parse(await fs.readFile(path.join(out, 'tokenizer.json'), 'utf8')), {});
    for (const text of ['The food was really superb!', 'Crème brûlée, zxqv... and 42 emojis 🙂', 'movie']) {
      const want = runTokenizer.encode(text);
      expect(ours.encode(text)).toEqual(want);
      expect(hf.encode(text).ids).toEqual(want.ids);
    }
    const merged = await mergeRun(run, path.join(dir, 'merged'));
    expect(merged.files).toEqual(expect.arrayContaining(TOKENIZER_DIR));
    const [p] = await predictRun(run, ['the food was really superb and lovely.']);
    expect(p?.label).toBe('1');
    expect(Object.values(p?.probabilities ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    run.model.dispose();

    // Mean pooling has no Hugging Face class (BertForSequenceClassification pools through the
    // pooler), so the merge is the base checkpoint plus head.safetensors, and reads back the same.
    const hfConfig = JSON.parse(await fs.readFile(path.join(merged.outputDir, 'config.json'), 'utf8'));
    expect(hfConfig.architectures).toEqual(['BertModel']);
    expect(merged.files).toContain('head.safetensors');
    const reloaded = await loadRun(host, merged.outputDir);
    const [q] = await predictRun(reloaded, ['the food was really superb and lovely.']);
    expect(q?.label).toBe(p?.label);
    for (const [label, v] of Object.entries(p?.probabilities ?? {})) {
      expect(q?.probabilities?.[label]).toBeCloseTo(v, 4);
    }
    reloaded.model.dispose();
  });
});
