import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type CliOutcome as Outcome,
  onlyPlugin,
  spawnedCli,
} from '../../core/src/cli/testing/spawned-cli.js';
import { CV_HEADER as HEADER, writeToneLocale } from './data/testing/index.js';

/** The pretraining child finds @peftkit/speech by workspace discovery; the others load only it. */
const discovered = spawnedCli();
const { json: peftkit, run: peftkitRaw } = spawnedCli({
  globalArgs: onlyPlugin(fileURLToPath(new URL('..', import.meta.url))),
});

/**
 * The acceptance test of the speech plugin through the real `peftkit` binary (a child process
 * from the repository root, finding @peftkit/speech by workspace discovery): a synthetic Common
 * Voice locale folder where each character is a tone of its own pitch, `train --preset
 * speech/accent-adaptation`, `predict`, `eval`, and the one-line errors of bad data.
 */
const MP3 = fileURLToPath(new URL('../test-data/audio/tone-440hz-16k-mono-notag.mp3', import.meta.url));

/** A tiny random encoder for the base: 1 layer of width 32 on the preset's 40 fbank bins. */
const TINY = [
  '--set',
  'model.config={num_mel_bins: 40, d_model: 32, encoder_layers: 1, encoder_attention_heads: 2, encoder_ffn_dim: 64, dropout: 0}',
  '--set',
  'preprocess.options.specAugment=false',
  '--set',
  'training.batchSize=4',
  '--set',
  'training.lr=1e-2',
];

let tmp: string;
let source: string;
let target: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-cli-'));
  source = path.join(tmp, 'cv-source/en');
  target = path.join(tmp, 'cv-target/en');
  // One MP3 clip (Common Voice ships MP3): a 440 Hz tone, which is what 'a' sounds like.
  await writeToneLocale(source, {
    factor: 1,
    accent: 'England English',
    seed: 5,
    extraTrainClip: { file: MP3, sentence: 'A!' },
  });
  // The "accent": every pitch 6% higher.
  await writeToneLocale(target, { factor: 1.06, accent: 'Scottish English', seed: 6 });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// The bad-data errors run beside the training pipeline: each child process is single-threaded.
describe.concurrent('peftkit CLI with the speech plugin', () => {
  it('pretrains a base, adapts it with --preset speech/accent-adaptation, predicts a clip, eval reproduces the metrics', async ({
    expect,
  }) => {
    // 1. The base: the preset's recogniser trained whole on the source accent.
    const baseDir = path.join(tmp, 'base');
    const pretrained = await discovered.json([
      'train',
      '--json',
      '--preset',
      'speech/accent-adaptation',
      '--data',
      source,
      '--out',
      baseDir,
      '--epochs',
      '12',
      '--seed',
      '1',
      '--set',
      'peft=full',
      ...TINY,
    ]);
    expect(pretrained['kind']).toBe('full');
    // The vocabulary: blank, unk, word delimiter and the letters of the normalised sentences.
    expect(pretrained['labels']).toEqual(['<pad>', '<unk>', '|', 'a', 'b', 'c', 'd']);
    const baseMetrics = (pretrained['summary'] as { finalMetrics: Record<string, number> }).finalMetrics;
    const vocab = JSON.parse(await fs.readFile(path.join(baseDir, 'vocab.json'), 'utf8'));
    expect(vocab).toEqual({ '<pad>': 0, '<unk>': 1, '|': 2, a: 3, b: 4, c: 5, d: 6 });

    // 2. LoRA on attn.q/attn.v (lm_head trained whole) for the target accent, same vocabulary.
    const out = path.join(tmp, 'adapted');
    const trained = await peftkit([
      'train',
      '--json',
      '--preset',
      'speech/accent-adaptation',
      '--base',
      baseDir,
      '--data',
      target,
      '--out',
      out,
      '--epochs',
      '2',
      '--seed',
      '1',
      ...TINY,
      '--set',
      `data.options.vocabulary=${path.join(baseDir, 'vocab.json')}`,
    ]);
    expect(trained['kind']).toBe('adapter');
    expect(trained['labels']).toEqual(pretrained['labels']);
    const metrics = (trained['summary'] as { finalMetrics: Record<string, number> }).finalMetrics;
    for (const m of ['cer', 'wer']) {
      expect(metrics[m]).toBeGreaterThanOrEqual(0);
      expect(metrics[m]).toBeLessThanOrEqual(1.5);
    }
    expect(trained['files']).toEqual(
      expect.arrayContaining([
        'adapter_model.safetensors',
        'adapter_config.json',
        'preprocessor.json',
        'vocab.json',
      ]),
    );
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig['peft_type']).toBe('LORA');
    expect(adapterConfig['modules_to_save']).toEqual(['lm_head']);

    // predict (--json and plain) and eval start together: most of each is process start-up.
    const clip = path.join(target, 'clips', 'common_voice_en_100.wav');
    const [predicted, plain, evaluated] = await Promise.all([
      peftkit(['predict', '--json', '--adapter', out, clip]),
      peftkitRaw(['predict', '--adapter', out, clip]),
      peftkit(['eval', '--json', '--adapter', out, '--data', target]),
    ]);
    const [p] = predicted['predictions'] as { input: string; value: unknown }[];
    expect(p?.input).toBe(clip);
    expect(typeof p?.value).toBe('string');
    expect(p?.value as string).toMatch(/^[abcd ]*$/);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(p?.value as string);

    const again = evaluated['metrics'] as Record<string, number>;
    expect(evaluated['examples']).toBe(8);
    expect(again['cer']).toBeCloseTo(metrics['cer'] as number, 6);
    expect(again['wer']).toBeCloseTo(metrics['wer'] as number, 6);
    expect(again['loss']).toBeCloseTo(metrics['loss'] as number, 5);
    console.log(
      `speech e2e: base (source accent) cer ${baseMetrics['cer']}; adapted (target accent) cer ${metrics['cer']} wer ${metrics['wer']}; predicted '${p?.value}'`,
    );
  }, 120_000);

  it('names a corrupt clip and a path escaping the dataset in one-line errors (exit 2)', async ({
    expect,
  }) => {
    const bad = path.join(tmp, 'bad');
    await fs.mkdir(path.join(bad, 'clips'), { recursive: true });
    await fs.writeFile(path.join(bad, 'clips', 'broken.wav'), 'RIFF....WAVEnot really audio');
    await fs.writeFile(
      path.join(bad, 'corrupt.tsv'),
      `${HEADER}\nclient0\tbroken.wav\t1\tab\t2\t0\t\t\t\ten\n`,
    );
    await fs.writeFile(
      path.join(bad, 'escape.tsv'),
      `${HEADER}\nclient0\t../../secret.wav\t1\tab\t2\t0\t\t\t\ten\n`,
    );
    const cases = [
      ['corrupt.tsv', 'broken.wav'],
      ['escape.tsv', 'secret.wav'],
    ] as const;
    const outcomes = await Promise.all(
      cases.map(([tsv]) =>
        peftkitRaw([
          'train',
          '--preset',
          'speech/accent-adaptation',
          '--data',
          path.join(bad, tsv),
          '--out',
          path.join(tmp, `out-${tsv}`),
          '--epochs',
          '1',
        ]),
      ),
    );
    cases.forEach(([tsv, needle], i) => {
      const r = outcomes[i] as Outcome;
      expect(r.code).toBe(2);
      // One line, naming the TSV row and the file.
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^peftkit: .*${tsv}:2 .*${needle}`));
    });
  }, 40_000);
});
