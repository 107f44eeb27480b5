import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, readSafetensorsHeader, resolveRunConfig, trainRun } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from '../plugin.js';
import { toTsv, toyTranslationPairs } from '../testing/toy-translation.js';

/**
 * The seq2seq presets on the other encoder-decoders: `nlp/translation` trains BART and Marian
 * (fresh, tiny, from config) with the same LoRA placement and writes HF PEFT's BART keys;
 * `nlp/summarization` reads document/summary JSONL and reports ROUGE-1/2/L.
 */
let tmp: string;
let trainFile: string;
let evalFile: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-s2s-presets-'));
  const pairs = toyTranslationPairs(60, 3);
  trainFile = path.join(tmp, 'train.tsv');
  evalFile = path.join(tmp, 'eval.tsv');
  await fs.writeFile(trainFile, toTsv(pairs.slice(0, 48)));
  await fs.writeFile(evalFile, toTsv(pairs.slice(48)));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const TINY_BART = {
  d_model: 16,
  encoder_layers: 1,
  decoder_layers: 1,
  encoder_attention_heads: 2,
  decoder_attention_heads: 2,
  encoder_ffn_dim: 32,
  decoder_ffn_dim: 32,
  max_position_embeddings: 64,
  dropout: 0,
  // A fresh model's end token is the tokenizer's (the preprocessor fills eos_token_id).
  forced_eos_token_id: null,
};

async function train(presetId: string, out: string, value: Record<string, unknown>) {
  const host = await createPeftkit({ plugins: [nlpPlugin] });
  const { config } = resolveRunConfig({
    preset: host.presets.get(presetId),
    layers: [{ name: 'test', value }],
  });
  return trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
}

describe('nlp/translation on BART and Marian', () => {
  for (const architecture of ['bart', 'marian'] as const) {
    it(`trains a LoRA adapter on ${architecture} and saves HF PEFT's keys`, async () => {
      const out = path.join(tmp, architecture);
      const r = await train('nlp/translation', out, {
        data: { train: trainFile, eval: evalFile },
        model: { architecture, config: TINY_BART },
        // BART and Marian read no task prefix.
        preprocess: { options: { sourcePrefix: '', vocabSize: 60, minFrequency: 1 } },
        head: { config: { generation: { numBeams: 2, maxNewTokens: 8 } } },
        training: { maxSteps: 6, batchSize: 8, lr: 1e-2, metrics: ['bleu', 'chrf'] },
      });
      expect(r.kind).toBe('adapter');
      const m = r.summary.finalMetrics as Record<string, number>;
      expect(Number.isFinite(m['bleu'])).toBe(true);
      expect(Number.isFinite(m['chrf'])).toBe(true);
      const keys = (await readSafetensorsHeader(path.join(out, 'adapter_model.safetensors'))).entries
        .map((e) => e.name)
        .sort();
      expect(keys).toEqual([
        'base_model.model.model.decoder.layers.0.encoder_attn.q_proj.lora_A.weight',
        'base_model.model.model.decoder.layers.0.encoder_attn.q_proj.lora_B.weight',
        'base_model.model.model.decoder.layers.0.encoder_attn.v_proj.lora_A.weight',
        'base_model.model.model.decoder.layers.0.encoder_attn.v_proj.lora_B.weight',
        'base_model.model.model.decoder.layers.0.self_attn.q_proj.lora_A.weight',
        'base_model.model.model.decoder.layers.0.self_attn.q_proj.lora_B.weight',
        'base_model.model.model.decoder.layers.0.self_attn.v_proj.lora_A.weight',
        'base_model.model.model.decoder.layers.0.self_attn.v_proj.lora_B.weight',
        'base_model.model.model.encoder.layers.0.self_attn.q_proj.lora_A.weight',
        'base_model.model.model.encoder.layers.0.self_attn.q_proj.lora_B.weight',
        'base_model.model.model.encoder.layers.0.self_attn.v_proj.lora_A.weight',
        'base_model.model.model.encoder.layers.0.self_attn.v_proj.lora_B.weight',
      ]);
      const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
      expect(manifest.head).toMatchObject({ id: 'nlp/seq2seq-lm', basePath: '', headPaths: [] });
    });
  }
});

describe('nlp/summarization', () => {
  it('reads document/summary JSONL and reports ROUGE-1/2/L', async () => {
    const docs = toyTranslationPairs(30, 5).map((p) => ({
      document: `${p.source} . ${p.source} again`,
      summary: p.source.split(' ').slice(0, 3).join(' '),
    }));
    const file = path.join(tmp, 'docs.jsonl');
    await fs.writeFile(file, `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
    const r = await train('nlp/summarization', path.join(tmp, 'summaries'), {
      data: { train: file, evalFraction: 0.2 },
      model: { config: { d_model: 16, d_kv: 4, d_ff: 32, num_layers: 1, num_heads: 2, dropout_rate: 0 } },
      preprocess: { options: { vocabSize: 60, minFrequency: 1, maxSourceLength: 32 } },
      head: { config: { generation: { numBeams: 2, maxNewTokens: 6 } } },
      training: { maxSteps: 4, batchSize: 8 },
    });
    const m = r.summary.finalMetrics as Record<string, number>;
    // Record-valued metrics are flattened to <name>.<key>.
    for (const k of ['rouge.rouge1', 'rouge.rouge2', 'rouge.rougeL']) {
      expect(m[k], `${k} in ${Object.keys(m).join(', ')}`).toBeGreaterThanOrEqual(0);
      expect(m[k]).toBeLessThanOrEqual(1);
    }
  });
});
