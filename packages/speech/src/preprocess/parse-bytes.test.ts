import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, Rng } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO_MEDIA_TYPES, type AudioExample } from '../data/audio-example.js';
import { writeMp3Clip, writeWavClip } from '../data/testing/index.js';
import { LogMelPreprocessor, logMelOptions } from './log-mel-preprocessor.js';
import type { SpeechPreprocessorBase } from './speech-preprocessor.js';
import { WaveformPreprocessor, waveformOptions } from './waveform-preprocessor.js';

/**
 * `parseBytes` (uploads to `peftkit serve`) against `parseInput` (a path for `peftkit predict`):
 * the same file must give the same batch tensors both ways (one decoder, one resampler).
 */
let dir: string;
let wav: string;
let mp3: string;
const quiet = () => {};
const eval_ = { training: false, rng: new Rng(1) };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-bytes-'));
  // 8 kHz: both preprocessors resample to 16 kHz, so the resampler is part of what is compared.
  wav = await writeWavClip(path.join(dir, 'clip.wav'), 0.3, 8000, 300);
  mp3 = await writeMp3Clip(path.join(dir, 'clip.mp3'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function tensorsOf(
  pre: SpeechPreprocessorBase<never>,
  example: AudioExample,
): Promise<{ shape: number[]; data: number[] }[]> {
  const batch = pre.collate([await pre.encode(example, eval_)], eval_);
  const [x, opts] = batch.inputs as [tf.Tensor, Record<string, tf.Tensor | undefined>];
  const tensors = [x, ...Object.values(opts ?? {}).filter((t): t is tf.Tensor => t !== undefined)];
  const out = tensors.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
  for (const t of tensors) t.dispose();
  batch.targets?.dispose();
  return out;
}

const preprocessors = {
  'speech/log-mel': () => new LogMelPreprocessor(logMelOptions.parse({ numMelBins: 20 }), undefined, quiet),
  'speech/waveform': () => new WaveformPreprocessor(waveformOptions.parse({}), undefined, quiet),
};

describe('speech parseBytes', () => {
  for (const [id, make] of Object.entries(preprocessors)) {
    for (const [kind, media] of [
      ['wav', 'audio/wav'],
      ['mp3', 'audio/mpeg'],
    ] as const) {
      it(`${id}: gives the tensors parseInput gives for the same ${kind} file`, async () => {
        const pre = make() as unknown as SpeechPreprocessorBase<never>;
        const file = kind === 'wav' ? wav : mp3;
        const fromPath = await tensorsOf(pre, await pre.parseInput(file));
        const bytes = new Uint8Array(await fs.readFile(file));
        const parsed = await pre.parseBytes(bytes, media, `upload.${kind}`);
        expect(parsed.durationSeconds).toBeGreaterThan(0.1);
        const fromBytes = await tensorsOf(pre, parsed);
        expect(fromBytes.map((t) => t.shape)).toEqual(fromPath.map((t) => t.shape));
        // Bit-identical: the same decode and the same features.
        expect(fromBytes.map((t) => t.data)).toEqual(fromPath.map((t) => t.data));
        expect(new Set(fromPath[0]?.data).size).toBeGreaterThan(3);
      });
    }
  }

  it('declares the audio media types and no image type', () => {
    const pre = preprocessors['speech/log-mel']();
    expect(pre.mediaTypes).toBe(AUDIO_MEDIA_TYPES);
    expect(pre.mediaTypes).toEqual(expect.arrayContaining(['audio/wav', 'audio/mpeg', 'audio/flac']));
    expect(pre.mediaTypes).not.toContain('image/png');
  });

  it("fails on a truncated or foreign upload with the decoder's message naming it", async () => {
    const pre = preprocessors['speech/log-mel']();
    const bytes = new Uint8Array(await fs.readFile(wav));
    await expect(pre.parseBytes(bytes.subarray(0, 30), 'audio/wav', 'cut.wav')).rejects.toThrow(/cut\.wav/);
    await expect(
      pre.parseBytes(new TextEncoder().encode('GIF89a not audio at all'), 'audio/wav', 'x.wav'),
    ).rejects.toThrow(/x\.wav/);
  });
});
