import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, loadRun, predictRun, resolveRunConfig, trainRun } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from '../plugin.js';
import { ByteLevelBpeTokenizer } from '../preprocess/bpe-tokenizer.js';
import { BYTE_ENCODER } from '../preprocess/byte-level.js';
import { saveTokenizer } from '../preprocess/tokenizer-files.js';
import { Vocab } from '../preprocess/vocab.js';
import { causalLmPreset } from './causal-lm.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-causal-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('nlp/causal-lm preset', () => {
  it('adapts a tiny GPT-2 with LoRA on c_attn (fan_in_fan_out) and generates text on predict', async () => {
    const tokDir = path.join(dir, 'tokenizer');
    await saveTokenizer(
      tokDir,
      new ByteLevelBpeTokenizer(Vocab.fromLines([...BYTE_ENCODER, '<|endoftext|>']), []),
    );
    const corpus = path.join(dir, 'corpus.txt');
    await fs.writeFile(corpus, Array.from({ length: 24 }, () => 'abcabcabc').join('\n\n'));
    const host = await createPeftkit({ plugins: [nlpPlugin] });
    const { config } = resolveRunConfig({
      preset: causalLmPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: { train: corpus, eval: corpus },
            preprocess: { options: { tokenizer: tokDir, maxLength: 16 } },
            model: { config: { n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32 } },
            head: { config: { maxNewTokens: 5 } },
            training: { epochs: 1, maxSteps: 3, batchSize: 8, lr: 1e-2 },
          },
        },
      ],
    });
    const out = path.join(dir, 'run');
    const result = await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    expect(result.summary.finalMetrics?.['perplexity']).toBeGreaterThan(1);
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig.fan_in_fan_out).toBe(true);
    // Short HF-style names: they select exactly the adapted modules.
    expect(adapterConfig.target_modules).toEqual(['c_attn']);
    const run = await loadRun(host, out);
    const [p] = await predictRun(run, ['abc']);
    expect(typeof p?.value).toBe('string');
    expect(String(p?.value ?? '').length).toBeGreaterThan(0);
    run.model.dispose();
  });
});
