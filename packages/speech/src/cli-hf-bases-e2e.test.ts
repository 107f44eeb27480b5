import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPeftkit, initBackend, loadRun, loadSafetensors, type PeftkitHost } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { onlyPlugin, spawnedCli } from '../../core/src/cli/testing/spawned-cli.js';
import { encodeWav } from './audio/testing/index.js';
import { CV_HEADER, speakTones } from './data/testing/index.js';
import { loadMmsAdapter, loadWav2Vec2, saveRunMmsAdapter } from './models/index.js';
import { speechPlugin } from './plugin.js';

/** Only this package's plugin: cli-e2e.test.ts covers finding it by workspace discovery. */
const PLUGIN = onlyPlugin(fileURLToPath(new URL('..', import.meta.url)));
const { json: peftkitJson, run: peftkitRaw } = spawnedCli({ globalArgs: PLUGIN });

/**
 * Hugging Face bases through the real `peftkit` binary: tiny HF-layout directories assembled from
 * the committed parity fixtures (`config.json` + `model.safetensors`, written by
 * `scripts/fixtures/encoders.py`) plus the `preprocessor_config.json` / `vocab.json` a hub
 * checkpoint carries, then `train --preset speech/accent-adaptation --base <dir>`, `predict` and
 * `eval`. Checks that the architecture, the front end and the CTC vocabulary follow the base's
 * files, and that MMS adapter layers train and export as `adapter.<lang>.safetensors`.
 */
const FIXTURES = fileURLToPath(new URL('./models/testing/fixtures/', import.meta.url));
const MP3 = fileURLToPath(new URL('../test-data/audio/tone-440hz-16k-mono-notag.mp3', import.meta.url));
const RATE = 16_000;

/** The fixtures' `lm_head` has 6 outputs: HF's CTC specials and three letters. */
const VOCAB = { '<pad>': 0, '<unk>': 1, '|': 2, a: 3, b: 4, c: 5 };
const WAV2VEC2_FEATURES = {
  feature_extractor_type: 'Wav2Vec2FeatureExtractor',
  feature_size: 1,
  sampling_rate: RATE,
  padding_value: 0,
  do_normalize: true,
  return_attention_mask: false,
  padding_side: 'right',
};
/** Whisper's extractor shrunk to the fixture: 8 mel bins, 24 frames (12 positions) of 20 ms. */
const WHISPER_FEATURES = {
  feature_extractor_type: 'WhisperFeatureExtractor',
  feature_size: 8,
  sampling_rate: RATE,
  n_fft: 400,
  hop_length: 320,
  chunk_length: 0.48,
  n_samples: 7680,
  nb_max_frames: 24,
  padding_value: 0,
  padding_side: 'right',
  return_attention_mask: false,
};

/** A hub-style directory: the fixture's config and weights plus the given JSON files. */
async function hubDir(dir: string, fixture: string, files: Record<string, unknown>): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors'])
    await fs.copyFile(path.join(FIXTURES, fixture, f), path.join(dir, f));
  for (const [name, json] of Object.entries(files))
    await fs.writeFile(path.join(dir, name), JSON.stringify(json, null, 2));
  return dir;
}

/** A Common Voice locale folder of tone speech over the letters a-c (train 16 clips, dev 4). */
async function writeLocale(root: string): Promise<void> {
  await fs.mkdir(path.join(root, 'clips'), { recursive: true });
  const sentences = ['a', 'b', 'c', 'ab', 'ba', 'ca', 'bc', 'cb', 'a b', 'c a'];
  for (const [split, n, shift] of [
    ['train', 16, 0],
    ['dev', 4, 1],
  ] as const) {
    const rows = [CV_HEADER];
    for (let i = 0; i < n; i++) {
      const text = sentences[(i * 3 + shift) % sentences.length] as string;
      const clip = `${split}_${i}.wav`;
      await fs.writeFile(path.join(root, 'clips', clip), encodeWav([speakTones(text, RATE, 1)], RATE, '16'));
      rows.push(`client${i % 4}\t${clip}\t${i}\t${text.toUpperCase()}.\t2\t0\t\t\tScottish English\ten`);
    }
    await fs.writeFile(path.join(root, `${split}.tsv`), `${rows.join('\n')}\n`);
  }
}

async function readJson<T = Record<string, unknown>>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

/** The parts of `peftkit-run.json` the tests read. */
interface RunManifestJson {
  readonly architecture: { readonly id: string; readonly config: Record<string, unknown> };
  readonly base: string;
}

/** The parts of `train --json` the tests read. */
interface TrainJson {
  readonly kind: string;
  readonly labels: string[];
  readonly summary: { readonly finalMetrics: Record<string, number>; readonly trainableParameters: number };
}

async function tensorValues(file: string): Promise<Map<string, number[]>> {
  const { tensors } = await loadSafetensors(file);
  const out = new Map<string, number[]>();
  for (const [k, t] of tensors) {
    out.set(k, [...(await t.data())]);
    t.dispose();
  }
  return out;
}

/** `train --json` with stderr kept (the notes say where the head's weights came from). */
async function train(args: string[]): Promise<{ result: TrainJson; stderr: string }> {
  const r = await peftkitRaw(['train', '--json', '--preset', 'speech/accent-adaptation', ...args]);
  if (r.code !== 0) throw new Error(`peftkit train failed (exit ${r.code}): ${r.stderr}`);
  return { result: JSON.parse(r.stdout) as TrainJson, stderr: r.stderr };
}

const COMMON = ['--epochs', '1', '--seed', '1', '--set', 'training.batchSize=4'];

let tmp: string;
let data: string;
let host: PeftkitHost;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  host = await createPeftkit({ plugins: [speechPlugin] });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-hf-'));
  data = path.join(tmp, 'cv/en');
  await writeLocale(data);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// The three bases run side by side: most of each step is a child process starting up.
describe.concurrent('peftkit CLI on Hugging Face speech bases (--base <dir>)', () => {
  it('wav2vec2 (Wav2Vec2ForCTC dir): architecture and waveform input from its files, its vocab.json and lm_head start the CTC head; LoRA trains; predict WAV and MP3', async ({
    expect,
  }) => {
    const base = await hubDir(path.join(tmp, 'wav2vec2'), 'wav2vec2-base-tiny', {
      'preprocessor_config.json': WAV2VEC2_FEATURES,
      'vocab.json': VOCAB,
    });
    const out = path.join(tmp, 'run-wav2vec2');
    const { result, stderr } = await train([
      '--base',
      base,
      '--data',
      data,
      '--out',
      out,
      ...COMMON,
      '--set',
      `data.options.vocabulary=${path.join(base, 'vocab.json')}`,
    ]);
    expect(result.kind).toBe('adapter');
    // The labels are the base's vocabulary in id order, written back as the run's vocab.json.
    expect(result.labels).toEqual(Object.keys(VOCAB));
    expect(await readJson(path.join(out, 'vocab.json'))).toEqual(VOCAB);
    // The preset names the conv-transformer; the base's config.json decides.
    const manifest = await readJson<RunManifestJson>(path.join(out, 'peftkit-run.json'));
    const hfConfig = await readJson(path.join(base, 'config.json'));
    expect(manifest.architecture.id).toBe('wav2vec2');
    for (const k of ['hidden_size', 'num_hidden_layers', 'conv_dim', 'conv_stride', 'feat_extract_norm'])
      expect(manifest.architecture.config[k]).toEqual(hfConfig[k]);
    expect(manifest.base).toBe(base);
    // The front end is the base's: raw waveforms, normalised, no attention mask (wav2vec2-base style).
    const pre = await readJson(path.join(out, 'preprocessor.json'));
    expect(pre['state']).toMatchObject({
      input: 'waveform',
      options: { samplingRate: RATE, doNormalize: true, returnAttentionMask: false },
    });
    // Same vocabulary, same lm_head shape: the CTC head starts from the checkpoint's lm_head.
    expect(stderr).toContain("note: head lm_head: starting from the base's weights in model.safetensors");
    const initial = await tensorValues(path.join(out, 'head.safetensors'));
    const hub = await tensorValues(path.join(base, 'model.safetensors'));
    expect(initial.get('lm_head.weight')).toEqual(hub.get('lm_head.weight'));
    expect(initial.get('lm_head.bias')).toEqual(hub.get('lm_head.bias'));
    const adapterConfig = await readJson(path.join(out, 'adapter_config.json'));
    expect(adapterConfig).toMatchObject({
      peft_type: 'LORA',
      target_modules: ['q_proj', 'v_proj'],
      modules_to_save: ['lm_head'],
    });
    const saved = await tensorValues(path.join(out, 'adapter_model.safetensors'));
    expect([...saved.keys()]).toContain(
      'base_model.model.wav2vec2.encoder.layers.1.attention.v_proj.lora_B.weight',
    );

    const clip = path.join(data, 'clips', 'dev_0.wav');
    const predicted = await peftkitJson(['predict', '--json', '--adapter', out, clip, MP3]);
    const values = (predicted['predictions'] as { input: string; value: unknown }[]).map((p) => p.value);
    expect(values).toHaveLength(2);
    for (const v of values) expect(v).toMatch(/^[abc ]*$/);
  }, 300_000);

  it('Whisper (WhisperForConditionalGeneration dir): encoder and log-mel from its files, vocabulary from the data; predict and eval reproduce', async ({
    expect,
  }) => {
    const base = await hubDir(path.join(tmp, 'whisper'), 'whisper-tiny', {
      'preprocessor_config.json': WHISPER_FEATURES,
    });
    const out = path.join(tmp, 'run-whisper');
    const { result, stderr } = await train(['--base', base, '--data', data, '--out', out, ...COMMON]);
    // No vocab.json: the vocabulary is built from the normalised training sentences.
    expect(result.labels).toEqual(['<pad>', '<unk>', '|', 'a', 'b', 'c']);
    const manifest = await readJson<RunManifestJson>(path.join(out, 'peftkit-run.json'));
    expect(manifest.architecture.id).toBe('whisper');
    expect(manifest.architecture.config).toMatchObject({
      d_model: 16,
      encoder_layers: 2,
      num_mel_bins: 8,
      max_source_positions: 12,
    });
    const pre = await readJson(path.join(out, 'preprocessor.json'));
    expect(pre['state']).toMatchObject({
      input: 'log-mel',
      options: { features: 'whisper', numMelBins: 8, whisper: { hopLength: 320, chunkLength: 0.48 } },
    });
    // A Whisper checkpoint has no CTC head: a fresh one, and the note says so.
    expect(stderr).toContain('note: head lm_head: the base');
    expect(stderr).toContain('has no weights for it: starting a fresh head');
    const metrics = result.summary.finalMetrics;

    const clip = path.join(data, 'clips', 'dev_1.wav');
    const [predicted, evaluated] = await Promise.all([
      peftkitJson(['predict', '--json', '--adapter', out, clip, MP3]),
      peftkitJson(['eval', '--json', '--adapter', out, '--data', data]),
    ]);
    for (const p of predicted['predictions'] as { value: unknown }[]) expect(p.value).toMatch(/^[abc ]*$/);
    expect(evaluated['examples']).toBe(4);
    const again = evaluated['metrics'] as Record<string, number>;
    for (const m of ['cer', 'wer', 'loss']) expect(again[m]).toBeCloseTo(metrics[m] as number, 5);
  }, 300_000);

  it('wav2vec2 with MMS adapter layers (adapter_attn_dim): SELECTIVE trains adapter_layer + lm_head only; saveRunMmsAdapter writes adapter.<lang>.safetensors in HF layout', async ({
    expect,
  }) => {
    const base = await hubDir(path.join(tmp, 'mms'), 'wav2vec2-mms-tiny', {
      'preprocessor_config.json': { ...WAV2VEC2_FEATURES, return_attention_mask: true },
      'vocab.json': VOCAB,
    });
    const out = path.join(tmp, 'run-mms');
    const { result } = await train([
      '--base',
      base,
      '--data',
      data,
      '--out',
      out,
      ...COMMON,
      '--set',
      `data.options.vocabulary=${path.join(base, 'vocab.json')}`,
      '--set',
      'peft={peftType: SELECTIVE, trainableModules: [adapter_layer]}',
    ]);
    const cfg = await readJson<Record<string, number>>(path.join(base, 'config.json'));
    const [h, a, layers] = [cfg['hidden_size'], cfg['adapter_attn_dim'], cfg['num_hidden_layers']] as [
      number,
      number,
      number,
    ];
    // Per layer: norm (2h), linear_1 (h*a + a), linear_2 (a*h + h); plus lm_head (6 x h + 6). Nothing else.
    const perLayer = 2 * h + (h * a + a) + (a * h + h);
    expect(result.summary.trainableParameters).toBe(layers * perLayer + 6 * h + 6);
    expect((await readJson(path.join(out, 'adapter_config.json')))['target_modules']).toEqual([
      'adapter_layer',
    ]);

    const exported = path.join(tmp, 'exported');
    const run = await loadRun(host, out);
    let file: string;
    try {
      file = await saveRunMmsAdapter(run, exported, 'sco');
    } finally {
      run.model.dispose();
    }
    expect(file).toBe(path.join(exported, 'adapter.sco.safetensors'));
    const written = await tensorValues(file);
    // The keys HF's load_adapter reads: the committed adapter.fra.safetensors (written by the
    // PyTorch fixture script) has the same names.
    const reference = await tensorValues(path.join(FIXTURES, 'wav2vec2-mms-tiny', 'adapter.fra.safetensors'));
    expect([...written.keys()].sort()).toEqual([...reference.keys()].sort());
    // The values are the run's trained ones (its adapter file), which differ from the base's.
    const trained = await tensorValues(path.join(out, 'adapter_model.safetensors'));
    const hub = await tensorValues(path.join(base, 'model.safetensors'));
    let changed = 0;
    for (const [k, v] of written) {
      expect(v).toEqual(trained.get(`base_model.model.${k}`));
      if (JSON.stringify(v) !== JSON.stringify(hub.get(k))) changed++;
    }
    expect(changed).toBeGreaterThan(0);
    // And it loads back into a fresh model from the base directory, lm_head included.
    const { model } = await loadWav2Vec2(base);
    try {
      const info = await loadMmsAdapter(model as never, exported, 'sco');
      expect([info.withLmHead, info.vocabSize]).toEqual([true, 6]);
      for (const t of info.lmHeadTensors?.values() ?? []) (t as tf.Tensor).dispose();
    } finally {
      model.dispose();
    }
  }, 300_000);
});
