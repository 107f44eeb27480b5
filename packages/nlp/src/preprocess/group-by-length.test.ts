import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { arrayDataset, createPeftkit, Rng, resolveRunConfig, trainRun } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { nlpPlugin } from '../plugin.js';
import { sentimentPreset } from '../presets/sentiment.js';
import { TextPreprocessor, textPreprocessorOptions } from './text-preprocessor.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-nlp-group-by-length-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const WORDS = ['the', 'food', 'was', 'really', 'quite', 'good', 'bad', 'service', 'and', 'a', 'movie'];

/** `{text, class}` lines of 1 to 30 words, so batches of shuffled examples pad a lot. */
function sentences(n: number, seed: number): string {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 1 + rng.int(30) }, () => WORDS[rng.int(WORDS.length)] as string);
    return `${JSON.stringify({ text: words.join(' '), class: i % 2 })}\n`;
  }).join('');
}

const TINY_BERT = {
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 64,
};

describe('nlp/tokenizer lengthOf', () => {
  it('is the token count after truncation, special tokens included', async () => {
    const pre = new TextPreprocessor(textPreprocessorOptions.parse({ maxLength: 8, vocabSize: 50 }));
    const texts = sentences(40, 3)
      .trim()
      .split('\n')
      .map((l) => ({ text: JSON.parse(l).text as string }));
    await pre.fit(arrayDataset(texts), { restored: false, baseDir: undefined });
    expect(pre.lengthOf({ text: 'good' })).toBe(3); // [CLS] good [SEP]
    expect(pre.lengthOf({ text: WORDS.join(' ') })).toBe(8); // truncated to maxLength
    const pair = { text: 'good', pair: 'bad food' };
    expect(pre.lengthOf(pair)).toBe(pre.encode(pair).encoding.ids.length);
    expect(pre.lengthOf(pair)).toBeGreaterThan(4);
  });
});

describe("data.sampling 'group-by-length' with nlp/tokenizer", () => {
  /** Trains 16 steps; returns the padded tokens of every training batch and the run's trainer state. */
  async function train(sampling: string, name: string) {
    const trainFile = path.join(dir, 'train.jsonl');
    const evalFile = path.join(dir, 'eval.jsonl');
    await fs.writeFile(trainFile, sentences(128, 1));
    await fs.writeFile(evalFile, sentences(16, 2));
    const padded: number[] = [];
    const collate = TextPreprocessor.prototype.collate;
    vi.spyOn(TextPreprocessor.prototype, 'collate').mockImplementation(function (
      this: TextPreprocessor,
      e,
      c,
    ) {
      const batch = collate.call(this, e, c);
      if (c.training) padded.push((batch.inputs[0] as tf.Tensor).size);
      return batch;
    });
    const host = await createPeftkit({ plugins: [nlpPlugin] });
    const { config } = resolveRunConfig({
      preset: sentimentPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: { train: trainFile, eval: evalFile, sampling },
            preprocess: { options: { vocabSize: 60, maxLength: 48 } },
            model: { config: TINY_BERT },
            training: { maxSteps: 16, batchSize: 8 },
          },
        },
      ],
    });
    const out = path.join(dir, name);
    await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    vi.restoreAllMocks();
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints/last/trainer_state.json'), 'utf8'),
    );
    return { padded, state };
  }

  it('trains with batches of similar length: much less padding than shuffling', async () => {
    const grouped = await train('group-by-length', 'grouped');
    const shuffled = await train('shuffle', 'shuffled');
    expect(grouped.padded).toHaveLength(16);
    expect(shuffled.padded).toHaveLength(16);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // Lengths ~3..32 tokens: shuffled batches of 8 pad to ~30, grouped ones to about their own length.
    expect(total(grouped.padded)).toBeLessThan(0.75 * total(shuffled.padded));
    // The longest batch comes first (a memory error shows at step 1).
    expect(grouped.padded[0]).toBe(Math.max(...grouped.padded));
    // The sampler is part of the trajectory the checkpoint records (resume refuses a change).
    expect(grouped.state.config.train).toMatchObject({ sampler: 'length-grouped', shuffle: false });
  });
});
