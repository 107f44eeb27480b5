import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPeftkit, loadRun, loadSafetensors, predictRun } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyPlugin, spawnedCli } from '../../core/src/cli/testing/spawned-cli.js';
import { nlpPlugin } from './plugin.js';
import { toTsv, toyTranslationPairs } from './testing/toy-translation.js';

/**
 * `nlp/translation` through the real `peftkit` binary (a child process from the repository root,
 * loading @peftkit/nlp by `--plugin`): train on a small TSV, predict a sentence,
 * eval reproduces the BLEU of the run, and the adapter is in HF PEFT's layout for T5.
 */
/** Only this package's plugin: cli-e2e.test.ts covers finding it by workspace discovery. */
const PLUGIN = onlyPlugin(fileURLToPath(new URL('..', import.meta.url)));
const cli = spawnedCli({ globalArgs: PLUGIN });
const peftkit = async (args: string[]) => (await cli.ok(args)).stdout;
const json = cli.json;

let tmp: string;
let trainFile: string;
let evalFile: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-s2s-cli-'));
  const pairs = toyTranslationPairs(232);
  trainFile = path.join(tmp, 'train.tsv');
  evalFile = path.join(tmp, 'eval.tsv');
  await fs.writeFile(trainFile, toTsv(pairs.slice(0, 200)));
  await fs.writeFile(evalFile, toTsv(pairs.slice(200)));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('peftkit CLI with nlp/translation', () => {
  it('trains a T5 adapter, predicts text, eval reproduces BLEU; HF PEFT keys load back exactly', async () => {
    const out = path.join(tmp, 'run');
    const trained = await json([
      'train',
      '--json',
      '--preset',
      'nlp/translation',
      '--data',
      trainFile,
      '--eval-data',
      evalFile,
      '--out',
      out,
      '--epochs',
      '2',
      '--seed',
      '1',
      // A tiny random T5 (no base) and a WordPiece vocabulary of the data.
      '--set',
      'model.config={d_model: 32, d_kv: 8, d_ff: 64, num_layers: 1, num_heads: 4, dropout_rate: 0}',
      '--set',
      'preprocess.options.sourceLang=English',
      '--set',
      'preprocess.options.targetLang=Toy',
      '--set',
      'preprocess.options.vocabSize=100',
      '--set',
      'preprocess.options.minFrequency=1',
      '--set',
      'head.config.generation={numBeams: 2, maxNewTokens: 10}',
      '--set',
      'training.batchSize=10',
      '--set',
      'training.lr=2e-2',
      // A random base has nothing to adapt: LoRA on the embedding as well lets it learn words.
      '--set',
      'peft.targetRoles=[attn.q,attn.v,xattn.q,xattn.v,embed]',
    ]);
    expect(trained['kind']).toBe('adapter');
    const metrics = (trained['summary'] as { finalMetrics: Record<string, number> }).finalMetrics;
    expect(Number.isFinite(metrics['bleu'])).toBe(true);
    expect(Number.isFinite(metrics['chrf'])).toBe(true);
    // The decoded output shares characters with the references (a random model's is ~0 BLEU).
    expect(metrics['chrf']).toBeGreaterThan(10);

    // HF PEFT's layout for T5ForConditionalGeneration: no base prefix, HF module names.
    const adapter = await loadSafetensors(path.join(out, 'adapter_model.safetensors'));
    const keys = [...adapter.tensors.keys()].sort();
    expect(keys).toEqual(
      expect.arrayContaining([
        'base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight',
        'base_model.model.encoder.block.0.layer.0.SelfAttention.v.lora_B.weight',
        'base_model.model.decoder.block.0.layer.0.SelfAttention.q.lora_A.weight',
        'base_model.model.decoder.block.0.layer.1.EncDecAttention.q.lora_A.weight',
        'base_model.model.decoder.block.0.layer.1.EncDecAttention.v.lora_B.weight',
        'base_model.model.shared.lora_embedding_A',
      ]),
    );
    expect(keys.every((k) => k.startsWith('base_model.model.') && !k.includes('.default.'))).toBe(true);
    const config = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 8, task_type: 'SEQ_2_SEQ_LM' });
    const preprocessor = JSON.parse(await fs.readFile(path.join(out, 'preprocessor.json'), 'utf8'));
    expect(preprocessor.options).toMatchObject({ sourceLang: 'English', targetLang: 'Toy' });

    // predict (--json and plain) and eval start together: most of each is process start-up.
    const sentence = 'the big cat sees the dog';
    const [predicted, line, evaluated] = await Promise.all([
      json(['predict', '--json', '--adapter', out, sentence]),
      peftkit(['predict', '--adapter', out, sentence]),
      // eval on the same held-out TSV decodes the same way: the same BLEU and chrF.
      json(['eval', '--json', '--adapter', out, '--data', evalFile]),
    ]);
    const [p] = predicted['predictions'] as { input: string; value: string }[];
    expect(p?.input).toBe(sentence);
    expect(typeof p?.value).toBe('string');
    expect(p?.value.length).toBeGreaterThan(0);
    // The plain line prints the text itself, not a JSON string.
    expect(line.trim()).toBe(`${sentence}\t${p?.value}`);
    const again = evaluated['metrics'] as Record<string, number>;
    expect(evaluated['examples']).toBe(32);
    expect(again['bleu']).toBeCloseTo(metrics['bleu'] as number, 6);
    expect(again['chrf']).toBeCloseTo(metrics['chrf'] as number, 6);
    expect(again['loss']).toBeCloseTo(metrics['loss'] as number, 5);
    console.log(
      `seq2seq e2e: bleu ${metrics['bleu']} chrf ${metrics['chrf']} loss ${metrics['loss']}; predicted '${p?.value}'`,
    );

    // Loaded back in process, the adapter saves to the very same tensors and predicts the same.
    const host = await createPeftkit({ plugins: [nlpPlugin] });
    const loaded = await loadRun(host, out);
    try {
      const [q] = await predictRun(loaded, [sentence]);
      expect(q?.value).toBe(p?.value);
      const again = path.join(tmp, 'resaved');
      await (loaded.model as unknown as { savePretrained(d: string): Promise<void> }).savePretrained(again);
      const resaved = await loadSafetensors(path.join(again, 'adapter_model.safetensors'));
      expect([...resaved.tensors.keys()].sort()).toEqual(keys);
      for (const [k, t] of adapter.tensors) {
        expect(Array.from(resaved.tensors.get(k)?.dataSync() ?? []), k).toEqual(Array.from(t.dataSync()));
      }
      for (const t of [...adapter.tensors.values(), ...resaved.tensors.values()]) t.dispose();
    } finally {
      loaded.model.dispose();
    }
  });
});
