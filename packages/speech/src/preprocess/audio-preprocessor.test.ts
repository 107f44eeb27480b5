import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { arrayDataset, initBackend, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWavClip } from '../data/testing/index.js';
import { whisperConfigToHf } from '../features/hf-preprocessor-config.js';
import { whisperFeatureConfig } from '../features/whisper-config.js';
import { AudioPreprocessor, audioPreprocessorOptions } from './audio-preprocessor.js';

let dir: string;
let clip: string;
const ctx = { training: false, rng: new Rng(3) };
const none = arrayDataset([]);
const quiet = () => {};

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-audio-'));
  clip = await writeWavClip(path.join(dir, 'a.wav'), 0.3);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function base(name: string, files: Record<string, unknown>): Promise<string> {
  const d = path.join(dir, name);
  await fs.mkdir(d, { recursive: true });
  for (const [f, json] of Object.entries(files)) await fs.writeFile(path.join(d, f), JSON.stringify(json));
  return d;
}

describe('speech/audio', () => {
  it('uses log-mel fbank from its own options without a base', async () => {
    const pre = new AudioPreprocessor(audioPreprocessorOptions.parse({ numMelBins: 24 }), undefined, quiet);
    await pre.fit(none, { restored: false, baseDir: undefined });
    expect(pre.input).toBe('log-mel');
    expect(pre.modelConfig()).toEqual({ num_mel_bins: 24 });
    expect((await pre.encode({ path: clip }, ctx)).width).toBe(24);
  });

  it("follows a Whisper base's preprocessor_config.json, and restores it from its state", async () => {
    const hf = whisperConfigToHf(whisperFeatureConfig.parse({ featureSize: 8, chunkLength: 0.5 }));
    const d = await base('whisper', {
      'preprocessor_config.json': hf,
      'config.json': { model_type: 'whisper' },
    });
    const pre = new AudioPreprocessor(audioPreprocessorOptions.parse({}), undefined, quiet);
    await pre.fit(none, { restored: false, baseDir: d });
    const e = await pre.encode({ path: clip }, ctx);
    // 0.5 s chunk (the clip padded to it), hop 160: 50 frames of 8 bins.
    expect([e.steps, e.width]).toEqual([50, 8]);
    const again = new AudioPreprocessor(audioPreprocessorOptions.parse({}), undefined, quiet);
    again.loadState(JSON.parse(JSON.stringify(pre.saveState())));
    expect(Array.from((await again.encode({ path: clip }, ctx)).values)).toEqual(Array.from(e.values));
  });

  it('feeds normalised waveforms to a wav2vec2 base without a preprocessor_config.json', async () => {
    const d = await base('w2v', { 'config.json': { model_type: 'wav2vec2' } });
    const pre = new AudioPreprocessor(audioPreprocessorOptions.parse({}), ['no', 'yes'], quiet);
    await pre.fit(none, { restored: false, baseDir: d });
    expect(pre.input).toBe('waveform');
    const batch = pre.collate([await pre.encode({ path: clip, label: 1 }, ctx)], ctx);
    expect((batch.inputs[0] as tf.Tensor).shape).toEqual([1, 4800]);
    tf.dispose([
      batch.inputs[0] as tf.Tensor,
      (batch.inputs[1] as { attentionMask: tf.Tensor }).attentionMask,
      batch.targets!,
    ]);
  });

  it('keeps a restored state over the base files', async () => {
    const d = await base('w2v2', { 'config.json': { model_type: 'hubert' } });
    const pre = new AudioPreprocessor(audioPreprocessorOptions.parse({ numMelBins: 12 }), undefined, quiet);
    await pre.fit(none, { restored: true, baseDir: d });
    expect(pre.input).toBe('log-mel');
    expect(() => pre.loadState({ input: 'spectrogram' })).toThrow(/malformed saved state/);
  });
});
