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
  resolveRunConfig,
  trainRun,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from '../plugin.js';
import { domainMlmPreset } from '../presets/domain-mlm.js';

let dir: string;
let host: PeftkitHost;
let corpus: string;
let evalCorpus: string;

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'to', 'park', 'and', 'slept'];

/** Paragraphs of a tiny word-salad language, blank-line separated (`nlp/corpus` paragraphs). */
function paragraphs(n: number, offset: number): string {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: 6 }, (_, j) => WORDS[(i * 5 + j * 7 + offset) % WORDS.length]).join(' '),
  ).join('\n\n');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-mlm-bias-'));
  host = await createPeftkit({ plugins: [nlpPlugin] });
  corpus = path.join(dir, 'train.txt');
  evalCorpus = path.join(dir, 'eval.txt');
  await fs.writeFile(corpus, paragraphs(32, 0));
  await fs.writeFile(evalCorpus, paragraphs(8, 3));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * A `nlp/domain-mlm` run config over the tiny corpus, `value` merged on top. The preset's BERT
 * `model.config` is left out so that either family can be sized by `value`.
 */
function mlmConfig(value: Record<string, unknown>) {
  const { model: _bertSized, ...preset } = domainMlmPreset.config;
  return resolveRunConfig({
    layers: [
      { name: 'nlp/domain-mlm without its model', value: preset },
      {
        name: 'test',
        value: {
          data: { train: corpus, eval: evalCorpus },
          preprocess: { options: { maxLength: 16, vocabSize: 40 } },
          training: { epochs: 1, maxSteps: 3, batchSize: 8, lr: 5e-2, warmupRatio: 0 },
          ...value,
        },
      },
    ],
  }).config;
}

/** The tensor `key` of a safetensors file as a plain array. */
async function tensorOf(file: string, key: string): Promise<number[]> {
  const { tensors } = await loadSafetensors(file);
  try {
    const t = tensors.get(key);
    if (!t) throw new Error(`${file} has no ${key} (keys: ${[...tensors.keys()].join(', ')})`);
    return [...(await t.data())];
  } finally {
    disposeAll(tensors);
  }
}

/** Reloads a finished run and evaluates it on the run's eval file. */
async function reloadedEvalLoss(out: string): Promise<number> {
  const run = await loadRun(host, out);
  try {
    return (await evaluateRun(host, run, { data: evalCorpus })).metrics['loss'] as number;
  } finally {
    run.model.dispose();
  }
}

const FAMILIES = [
  {
    architecture: 'bert',
    config: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
    bias: 'cls.predictions.bias',
  },
  {
    architecture: 'distilbert',
    config: { dim: 16, n_layers: 1, n_heads: 2, hidden_dim: 32 },
    bias: 'vocab_projector.bias',
  },
] as const;

describe.each(FAMILIES)('the masked-LM output bias on $architecture', ({ architecture, config, bias }) => {
  it('is trained, saved with full and adapter runs, reused from a base, and reproduces the eval loss', async () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    // 1. Full masked-LM pretraining: the bias is part of the head file, next to the base.
    const full = path.join(dir, `${architecture}-full`);
    const fullResult = await trainRun(host, {
      config: mlmConfig({ model: { architecture, config }, peft: 'full' }),
      outDir: full,
      progress: 'none',
      log,
    });
    const trainedBias = await tensorOf(path.join(full, 'head.safetensors'), bias);
    expect(Math.max(...trainedBias.map(Math.abs))).toBeGreaterThan(1e-3);
    const fullLoss = fullResult.summary.finalMetrics?.['loss'] as number;
    expect(await reloadedEvalLoss(full)).toBeCloseTo(fullLoss, 5);

    // 2. LoRA continued pretraining on that base: the head (bias included) starts from the base's
    // and its trained copy is saved in the adapter under HF PEFT's key.
    const adapter = path.join(dir, `${architecture}-lora`);
    const adapterResult = await trainRun(host, {
      config: mlmConfig({ model: { base: full } }),
      outDir: adapter,
      progress: 'none',
      log,
    });
    expect(lines.some((l) => /starting from the base's weights in head\.safetensors/.test(l))).toBe(true);
    expect(await tensorOf(path.join(adapter, 'head.safetensors'), bias)).toEqual(trainedBias);
    const adapterBias = await tensorOf(
      path.join(adapter, 'adapter_model.safetensors'),
      `base_model.model.${bias}`,
    );
    expect(adapterBias).not.toEqual(trainedBias);
    const adapterLoss = adapterResult.summary.finalMetrics?.['loss'] as number;
    expect(await reloadedEvalLoss(adapter)).toBeCloseTo(adapterLoss, 5);
  });
});
