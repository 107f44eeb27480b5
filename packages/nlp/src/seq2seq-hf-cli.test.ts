import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  captureOutput,
  createPeftkit,
  createServer,
  loadRun,
  loadSafetensors,
  predictRun,
  runCli,
  saveSafetensors,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from './plugin.js';
import type { TextTokenizer } from './preprocess/tokenizer.js';
import { loadTokenizer } from './preprocess/tokenizer-files.js';
import { type LoopbackHub, startLoopbackHub } from './testing/loopback-hub.js';
import { SEQ2SEQ_FIXTURES } from './testing/seq2seq-parity.js';

/**
 * `peftkit predict / eval / merge / serve` on plain HF encoder-decoder directories (no peftkit
 * files): the tiny T5 with its PyTorch-written HF PEFT LoRA (test-data/seq2seq/t5-v1_0-lora,
 * reference tokens from make_lora_fixture.py), and a Marian directory served by a loopback Hub.
 */
const T5 = path.join(SEQ2SEQ_FIXTURES, 't5-v1_0');
const LORA = path.join(SEQ2SEQ_FIXTURES, 't5-v1_0-lora');
const MARIAN = path.join(SEQ2SEQ_FIXTURES, 'marian');

interface LoraReference {
  input_ids: number[][];
  base: number[][];
  adapter: number[][];
}
interface PredictJson {
  predictions: { input: string; value: string; adapter?: string }[];
}

let tmp: string;
let ref: LoraReference;
let tok: TextTokenizer;
let texts: string[];

async function cli<T = PredictJson>(args: string[]) {
  const { result, stdout, stderr } = await captureOutput(() =>
    runCli(['--no-discover', ...args], { plugins: [nlpPlugin], cwd: tmp }),
  );
  return { code: result, json: (stdout.trim() ? JSON.parse(stdout) : undefined) as T, stderr };
}

const decode = (ids: readonly number[]) => tok.decode(ids, { skipSpecialTokens: true }).trim();

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-s2s-hf-cli-'));
  ref = JSON.parse(await fs.readFile(path.join(LORA, 'reference.json'), 'utf8')) as LoraReference;
  tok = await loadTokenizer(T5);
  // The reference's source ids as text (the fixture vocabulary has one piece per word).
  texts = ref.input_ids.map((ids) => decode(ids.filter((id) => id > 1)));
  expect(texts.every((t) => t.split(' ').length >= 3)).toBe(true);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('peftkit CLI on a plain HF T5 directory', () => {
  it("predict --base translates, predict --adapter <HF PEFT dir> gives PyTorch's LoRA tokens", async () => {
    const base = await cli(['predict', '--base', T5, '--json', ...texts]);
    expect(base.code, base.stderr).toBe(0);
    expect(base.json.predictions.map((p) => p.value)).toEqual(ref.base.map(decode));
    const adapted = await cli(['predict', '--adapter', LORA, '--json', ...texts]);
    expect(adapted.code, adapted.stderr).toBe(0);
    expect(adapted.json.predictions.map((p) => p.value)).toEqual(ref.adapter.map(decode));
  });

  it('eval scores BLEU against the references: 100 for its own outputs, less for others', async () => {
    const own = path.join(tmp, 'own.tsv');
    const other = path.join(tmp, 'other.tsv');
    const outputs = ref.adapter.map(decode);
    await fs.writeFile(own, `source\ttarget\n${texts.map((t, i) => `${t}\t${outputs[i]}`).join('\n')}\n`);
    // Half of each reference replaced: fewer matching n-grams.
    const halved = outputs.map((o) => {
      const words = o.split(' ');
      return [...words.slice(0, words.length / 2), ...words.slice(words.length / 2).map(() => 'tree')].join(
        ' ',
      );
    });
    await fs.writeFile(other, `source\ttarget\n${texts.map((t, i) => `${t}\t${halved[i]}`).join('\n')}\n`);
    const a = await cli<{ metrics: Record<string, number>; examples: number }>([
      'eval',
      '--adapter',
      LORA,
      '--data',
      own,
      '--json',
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.json.examples).toBe(2);
    expect(a.json.metrics['bleu']).toBeCloseTo(100, 4);
    const b = await cli<{ metrics: Record<string, number> }>([
      'eval',
      '--adapter',
      LORA,
      '--data',
      other,
      '--json',
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.json.metrics['bleu']).toBeGreaterThan(0);
    expect(b.json.metrics['bleu']).toBeLessThan(90);
  });

  it('merge --adapter <HF PEFT dir> writes T5ForConditionalGeneration that predicts the same', async () => {
    const out = path.join(tmp, 'merged');
    const merged = await cli<{ files: string[] }>(['merge', '--adapter', LORA, '--out', out, '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.json.files).toEqual(
      expect.arrayContaining([
        'config.json',
        'generation_config.json',
        'model.safetensors',
        'tokenizer.json',
      ]),
    );
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['T5ForConditionalGeneration']);
    const again = await cli(['predict', '--base', out, '--json', ...texts]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.predictions.map((p) => p.value)).toEqual(ref.adapter.map(decode));
  });
});

describe('peftkit serve --base <HF T5 dir> --adapters <HF PEFT dirs>', () => {
  it('serves each adapter and the base, alone and in one mixed request, as predict does', async () => {
    // Two HF PEFT adapters: the fixture, and the same with lora_B negated (another output).
    const adapters = path.join(tmp, 'adapters');
    await fs.cp(LORA, path.join(adapters, 'plus'), { recursive: true });
    await fs.cp(LORA, path.join(adapters, 'minus'), { recursive: true });
    const file = path.join(adapters, 'minus', 'adapter_model.safetensors');
    const { tensors } = await loadSafetensors(file);
    const negated = new Map(
      [...tensors].map(([k, t]) => [k, k.includes('lora_B') ? tf.neg(t) : t.clone()] as const),
    );
    await saveSafetensors(file, negated);
    for (const t of [...tensors.values(), ...negated.values()]) t.dispose();

    const host = await createPeftkit({ plugins: [nlpPlugin] });
    const expected: Record<string, string[]> = { plus: ref.adapter.map(decode) };
    const minus = await loadRun(host, path.join(adapters, 'minus'), { base: T5 });
    try {
      expected['minus'] = (await predictRun(minus, texts)).map((p) => p.value as string);
    } finally {
      minus.model.dispose();
    }
    expect(expected['minus']).not.toEqual(expected['plus']);

    const server = await createServer(host, {
      adaptersDir: adapters,
      base: T5,
      batchWindowMs: 0,
      maxBatch: 8,
      maxBodyBytes: 1 << 16,
      adapterBudgetBytes: 1 << 24,
      maxInputs: 8,
      timeoutMs: 30_000,
    });
    try {
      const post = async (payload: unknown) => {
        const r = await server.app.inject({ method: 'POST', url: '/v1/predict', payload: payload as object });
        expect(r.statusCode, r.body).toBe(200);
        return (r.json() as PredictJson).predictions.map((p) => p.value);
      };
      expect(await post({ adapter: 'plus', inputs: texts })).toEqual(expected['plus']);
      expect(await post({ adapter: 'minus', inputs: texts })).toEqual(expected['minus']);
      // One request routing each input to another adapter or the base (a mixed batch).
      const mixed = await post({
        adapters: ['minus', 'plus', 'base', 'minus'],
        inputs: [texts[0], texts[0], texts[1], texts[1]],
      });
      expect(mixed).toEqual([
        expected['minus']?.[0],
        expected['plus']?.[0],
        decode(ref.base[1] as number[]),
        expected['minus']?.[1],
      ]);
      // The adapters are back as they were: a single-adapter request answers as before.
      expect(await post({ adapter: 'plus', inputs: texts })).toEqual(expected['plus']);
    } finally {
      await server.close();
    }
  });
});

describe('Hub ids of plain HF encoder-decoders', () => {
  let hub: LoopbackHub;
  const saved = { ...process.env };
  beforeAll(async () => {
    hub = await startLoopbackHub();
  });
  afterAll(async () => {
    for (const k of ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_HUB_OFFLINE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await hub.close();
  });

  it("predict --base org/name downloads a Marian repo's spm, vocab and generation config and equals the local run", async () => {
    const files = new Map<string, Uint8Array>();
    for (const name of await fs.readdir(MARIAN)) {
      if (name !== 'reference.json') files.set(name, await fs.readFile(path.join(MARIAN, name)));
    }
    files.set('pytorch_model.bin', new Uint8Array(16));
    hub.commit('tiny/opus-mt-toy', files, ['main']);
    process.env['HF_ENDPOINT'] = hub.url;
    process.env['HF_HUB_CACHE'] = path.join(tmp, 'hf-cache');
    delete process.env['HF_HUB_OFFLINE'];
    const inputs = ['the cat sees the dog', 'a small house'];
    const local = await cli(['predict', '--base', MARIAN, '--json', ...inputs]);
    const remote = await cli(['predict', '--base', 'tiny/opus-mt-toy', '--json', ...inputs]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.json.predictions.map((p) => p.value)).toEqual(local.json.predictions.map((p) => p.value));
    const fetched = hub.requests
      .filter((r) => r.url.includes('/resolve/'))
      .map((r) => r.url.split('/').pop());
    expect(new Set(fetched)).toEqual(
      new Set([
        'config.json',
        'generation_config.json',
        'model.safetensors',
        'source.spm',
        'target.spm',
        'vocab.json',
        'tokenizer_config.json',
      ]),
    );
  });
});
