import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createPeftkit, resolveRunConfig, Rng, trainRun } from '@peftkit/core';
import { nlpPlugin } from './plugin.js';
import { sentimentPreset } from './presets/sentiment.js';
const GOOD = ['great', 'lovely', 'excellent', 'superb', 'wonderful'];
const BAD = ['awful', 'boring', 'terrible', 'dull', 'poor'];
const FILLER = ['the', 'movie', 'food', 'was', 'really', 'quite', 'service', 'plot', 'and', 'a'];
function sentences(n: number, seed: number): string {
  const rng = new Rng(seed);
  const pick = (xs: string[]) => xs[rng.int(xs.length)] as string;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    const words = Array.from({ length: 3 + rng.int(4) }, () => pick(FILLER));
    words.splice(rng.int(words.length + 1), 0, pick(y ? GOOD : BAD));
    lines.push(JSON.stringify({ text: `${words.join(' ')}.`, class: y }));
  }
  return `${lines.join('\n')}\n`;
}
await tf.setBackend('cpu');
const dir = '/tmp/nlpdbg';
const host = await createPeftkit({ plugins: [nlpPlugin] });
const train = path.join(dir, 'train.jsonl');
const test = path.join(dir, 'test.jsonl');
await fs.writeFile(train, sentences(160, 1));
await fs.writeFile(test, sentences(40, 2));
const log = (l: string) => console.error(l);
const { config } = resolveRunConfig({
  preset: sentimentPreset,
  layers: [{ name: 'test', value: {
    data: { train, eval: test },
    preprocess: { options: { vocabSize: 60, maxLength: 16 } },
    model: { config: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32 } },
    training: { epochs: Number(process.env.EP ?? 8), batchSize: 16, lr: Number(process.env.LR ?? 1e-2), warmupRatio: 0, logEvery: 5 },
    ...(process.env.FULL ? { peft: 'full' } : {}),
  } }],
});
const t0 = Date.now();
const r = await trainRun(host, { config, outDir: path.join(dir, 'run'), progress: 'none', log });
console.error(JSON.stringify(r.summary.finalMetrics), (Date.now() - t0) / 1000);
