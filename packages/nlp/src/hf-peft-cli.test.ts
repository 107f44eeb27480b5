import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  captureOutput,
  disposeAll,
  loadSafetensors,
  readSafetensorsHeader,
  runCli,
  saveSafetensors,
} from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nlpPlugin } from './plugin.js';
import {
  HF_PEFT_FIXTURE,
  type HfPeftReference,
  type PredictJson,
  readHfPeftReference,
  worstProbabilityDiff,
} from './testing/hf-peft-fixture.js';

/**
 * `peftkit predict / eval / merge` on directories PyTorch wrote in exact Hugging Face layout, with no
 * peftkit run around them (test-data/hf-peft, made by make_fixture.py): a tiny
 * BertForSequenceClassification checkpoint with a tokenizer, and two HF PEFT LoRA adapters. The
 * expected probabilities come from a hand-written torch forward of the merged weights.
 */
const FIXTURE = HF_PEFT_FIXTURE;
const BASE = path.join(FIXTURE, 'base');
const CLF = path.join(FIXTURE, 'adapter-clf');
const QKV = path.join(FIXTURE, 'adapter-qkv');

let ref: HfPeftReference;
let tmp: string;

async function cli<T>(args: string[], cwd = FIXTURE): Promise<{ code: number; json: T; stderr: string }> {
  const { result, stdout, stderr } = await captureOutput(() =>
    runCli(['--no-discover', ...args], { plugins: [nlpPlugin], cwd }),
  );
  return { code: result, json: (stdout.trim() ? JSON.parse(stdout) : undefined) as T, stderr };
}

function expectProbabilities(out: PredictJson, expected: number[][]): void {
  expect(out.predictions).toHaveLength(expected.length);
  for (const [i, p] of out.predictions.entries()) {
    const row = expected[i] as number[];
    expect(p.label).toBe(ref.labels[row.indexOf(Math.max(...row))]);
  }
  expect(worstProbabilityDiff(out, expected, ref.labels)).toBeLessThan(1e-4);
}

beforeAll(async () => {
  ref = await readHfPeftReference();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-hf-peft-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('predict with a plain HF PEFT adapter', () => {
  it('matches the PyTorch reference, head from modules_to_save, base from base_model_name_or_path', async () => {
    // base_model_name_or_path is '../base': not under the cwd, found relative to the adapter.
    const out = await cli<PredictJson>(['predict', '--adapter', CLF, '--json', ...ref.texts], tmp);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('modules_to_save');
    expectProbabilities(out.json, ref['adapter-clf']);
  });

  it('takes the head from the base checkpoint when the adapter saves none, with --base', async () => {
    const out = await cli<PredictJson>(['predict', '--adapter', QKV, '--base', BASE, '--json', ...ref.texts]);
    expect(out.code, out.stderr).toBe(0);
    expectProbabilities(out.json, ref['adapter-qkv']);
  });

  it('predicts with the HF task checkpoint alone (--base without --adapter)', async () => {
    const out = await cli<PredictJson>(['predict', '--base', BASE, '--json', ...ref.texts]);
    expect(out.code, out.stderr).toBe(0);
    expectProbabilities(out.json, ref.base);
  });

  it('routes each input to its adapter (several --adapter, <name>:<input>)', async () => {
    const inputs = ref.texts.map((t, i) => `${['clf', 'qkv', 'base', 'clf'][i]}:${t}`);
    const out = await cli<PredictJson>([
      'predict',
      '--adapter',
      `clf=${CLF}`,
      '--adapter',
      `qkv=${QKV}`,
      '--base',
      BASE,
      '--json',
      ...inputs,
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json.predictions.map((p) => p.adapter)).toEqual(['clf', 'qkv', 'base', 'clf']);
    expectProbabilities(out.json, [
      ref['adapter-clf'][0],
      ref['adapter-qkv'][1],
      ref.base[2],
      ref['adapter-clf'][3],
    ] as number[][]);
  });

  it('looks a Hub id in base_model_name_or_path up in the HF cache (offline here: names what is missing)', async () => {
    const dir = path.join(tmp, 'hub-adapter');
    await fs.mkdir(dir, { recursive: true });
    const config = JSON.parse(await fs.readFile(path.join(CLF, 'adapter_config.json'), 'utf8'));
    await fs.writeFile(
      path.join(dir, 'adapter_config.json'),
      JSON.stringify({ ...config, base_model_name_or_path: 'google-bert/bert-base-uncased' }),
    );
    await fs.copyFile(
      path.join(CLF, 'adapter_model.safetensors'),
      path.join(dir, 'adapter_model.safetensors'),
    );
    const saved = { offline: process.env['HF_HUB_OFFLINE'], cache: process.env['HF_HUB_CACHE'] };
    process.env['HF_HUB_OFFLINE'] = '1';
    process.env['HF_HUB_CACHE'] = path.join(tmp, 'empty-hf-cache');
    try {
      const out = await cli<PredictJson>(['predict', '--adapter', dir, '--json', 'a film'], tmp);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(
        /google-bert\/bert-base-uncased: no such local directory, and HF_HUB_OFFLINE is set: no snapshot for revision 'main' in .*empty-hf-cache\/models--google-bert--bert-base-uncased/,
      );
    } finally {
      for (const [k, v] of [
        ['HF_HUB_OFFLINE', saved.offline],
        ['HF_HUB_CACHE', saved.cache],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('picks the head by task_type on a bare BertModel base, and refuses a head nobody has weights for', async () => {
    // The base as BertModel.save_pretrained writes it: no classifier, architectures BertModel.
    const bare = path.join(tmp, 'bare-base');
    await fs.mkdir(bare, { recursive: true });
    const { tensors } = await loadSafetensors(path.join(BASE, 'model.safetensors'));
    const own = new Map([...tensors].filter(([k]) => k.startsWith('bert.')).map(([k, t]) => [k.slice(5), t]));
    await saveSafetensors(path.join(bare, 'model.safetensors'), own, { format: 'pt' });
    disposeAll(tensors);
    const config = JSON.parse(await fs.readFile(path.join(BASE, 'config.json'), 'utf8'));
    await fs.writeFile(
      path.join(bare, 'config.json'),
      JSON.stringify({ ...config, architectures: ['BertModel'] }),
    );
    for (const f of ['vocab.txt', 'tokenizer_config.json'])
      await fs.copyFile(path.join(BASE, f), path.join(bare, f));

    const ok = await cli<PredictJson>(['predict', '--adapter', CLF, '--base', bare, '--json', ...ref.texts]);
    expect(ok.code, ok.stderr).toBe(0);
    expectProbabilities(ok.json, ref['adapter-clf']);

    const none = await cli<PredictJson>(['predict', '--adapter', QKV, '--base', bare, '--json', 'a film']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /no weights for head classifier.*neither the adapter's modules_to_save nor the base/,
    );
  });
});

describe('eval and merge of a plain HF PEFT adapter', () => {
  it('eval reads labelled JSONL with the id2label names', async () => {
    const data = path.join(tmp, 'eval.jsonl');
    const expected = ref['adapter-clf'].map((row) => ref.labels[row.indexOf(Math.max(...row))]);
    const rows = ref.texts.map((text, i) =>
      JSON.stringify({ text, label: i === 0 ? 'neutral' : expected[i] }),
    );
    await fs.writeFile(data, `${rows.join('\n')}\n`);
    const out = await cli<{ metrics: Record<string, number>; examples: number }>(
      ['eval', '--adapter', CLF, '--data', data, '--json'],
      tmp,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.json.examples).toBe(4);
    // Three rows carry the reference's argmax, one another label.
    expect(out.json.metrics['accuracy']).toBeCloseTo(expected[0] === 'neutral' ? 1 : 0.75, 6);
  });

  it('merge writes an HF BertForSequenceClassification checkpoint that predicts the same', async () => {
    const out = path.join(tmp, 'merged');
    const merged = await cli<{ files: string[] }>(['merge', '--adapter', CLF, '--out', out, '--json'], tmp);
    expect(merged.code, merged.stderr).toBe(0);
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    expect(config.model_type).toBe('bert');
    expect(config.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(config.label2id).toEqual({ negative: 0, neutral: 1, positive: 2 });
    // The key set transformers' BertForSequenceClassification has for this config (from make_fixture.py).
    const hfKeys = JSON.parse(await fs.readFile(path.join(FIXTURE, 'hf-keys.json'), 'utf8'));
    const header = await readSafetensorsHeader(path.join(out, 'model.safetensors'));
    expect(header.entries.map((e) => e.name).sort()).toEqual(hfKeys);
    expect(merged.json.files).toContain('vocab.txt');
    expect(merged.json.files).not.toContain('head.safetensors');

    // Only the HF files, as transformers would read them: no peftkit manifest to lean on.
    const hfOnly = path.join(tmp, 'merged-hf-only');
    await fs.mkdir(hfOnly);
    for (const f of merged.json.files.filter((f) =>
      /^(config\.json|model\.safetensors|vocab\.txt|tokenizer.*\.json|special_tokens_map\.json)$/.test(f),
    )) {
      await fs.copyFile(path.join(out, f), path.join(hfOnly, f));
    }
    const again = await cli<PredictJson>(['predict', '--base', hfOnly, '--json', ...ref.texts], tmp);
    expect(again.code, again.stderr).toBe(0);
    expectProbabilities(again.json, ref['adapter-clf']);
    // And the merged run directory itself (peftkit manifest, head inside model.safetensors).
    const asRun = await cli<PredictJson>(['predict', '--adapter', out, '--json', ...ref.texts], tmp);
    expect(asRun.code, asRun.stderr).toBe(0);
    expectProbabilities(asRun.json, ref['adapter-clf']);
  });

  it('merge of a peftkit classification run on the HF base also writes BertForSequenceClassification', async () => {
    const data = path.join(tmp, 'train.jsonl');
    const rows = ['the movie was great', 'boring plot , bad acting', 'loved it', 'terrible film'].map(
      (text, i) => JSON.stringify({ text, class: i % 2 === 0 ? 'good' : 'bad' }),
    );
    await fs.writeFile(data, `${rows.join('\n')}\n`);
    const runDir = path.join(tmp, 'run');
    const trained = await cli<{ outputDir: string }>(
      [
        'train',
        '--preset',
        'nlp/sentiment',
        '--base',
        BASE,
        '--data',
        data,
        '--eval-data',
        data,
        '--max-steps',
        '2',
        '--out',
        runDir,
        '--json',
      ],
      tmp,
    );
    expect(trained.code, trained.stderr).toBe(0);
    const before = await cli<PredictJson>(['predict', '--adapter', runDir, '--json', ...ref.texts], tmp);
    expect(before.code, before.stderr).toBe(0);
    const out = path.join(tmp, 'run-merged');
    const merged = await cli<{ files: string[] }>(
      ['merge', '--adapter', runDir, '--out', out, '--json'],
      tmp,
    );
    expect(merged.code, merged.stderr).toBe(0);
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    const labels = Object.keys(before.json.predictions[0]?.probabilities ?? {}).sort();
    expect(Object.values(config.id2label).sort()).toEqual(labels);
    // Read back as a plain HF directory (config.json ignored by nothing: the manifest is removed).
    await fs.rm(path.join(out, 'peftkit-run.json'));
    await fs.rm(path.join(out, 'preprocessor.json'));
    const after = await cli<PredictJson>(['predict', '--base', out, '--json', ...ref.texts], tmp);
    expect(after.code, after.stderr).toBe(0);
    for (const [i, p] of after.json.predictions.entries()) {
      for (const [label, v] of Object.entries(before.json.predictions[i]?.probabilities ?? {})) {
        expect(p.probabilities[label]).toBeCloseTo(v, 4);
      }
    }
  });
});
