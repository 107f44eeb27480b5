import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioExample } from '../data/audio-example.js';
import { writeMp3Clip, writeWavClip } from '../data/testing/index.js';
import { buildCharVocabulary } from '../heads/ctc-vocabulary.js';
import { LogMelPreprocessor, logMelOptions } from './log-mel-preprocessor.js';
import { WaveformPreprocessor, waveformOptions } from './waveform-preprocessor.js';

let dir: string;
let short: string;
let long: string;
let mp3: string;
const vocab = buildCharVocabulary(['ab ba', 'a']);
const quiet = () => {};
const eval_ = { training: false, rng: new Rng(1) };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-pre-'));
  short = await writeWavClip(path.join(dir, 'short.wav'), 0.2, 8000, 300);
  long = await writeWavClip(path.join(dir, 'long.wav'), 0.5, 16000, 600);
  mp3 = await writeMp3Clip(path.join(dir, 'clip.mp3'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('speech/log-mel', () => {
  const examples: AudioExample[] = [];
  beforeAll(() => {
    examples.push({ path: short, transcript: 'ab a' }, { path: long, transcript: 'ba' });
  });

  it('pads fbank features to [B, mels, frames] with a frame mask and CTC targets', async () => {
    const pre = new LogMelPreprocessor(logMelOptions.parse({ numMelBins: 20 }), vocab, quiet);
    const encoded = await Promise.all(examples.map((e) => pre.encode(e, eval_)));
    // 25 ms frames every 10 ms, snip edges: 0.2 s -> 18 frames, 0.5 s -> 48 (resampled to 16 kHz).
    expect(encoded.map((e) => e.steps)).toEqual([18, 48]);
    const batch = pre.collate(encoded);
    const [x, { attentionMask }] = batch.inputs as [tf.Tensor, { attentionMask: tf.Tensor }];
    expect(x.shape).toEqual([2, 20, 48]);
    const data = x.arraySync() as number[][][];
    // Channels-first: [b][mel][frame] is the encoded [frame][mel]; padding is 0.
    expect(data[0]![3]![5]).toBeCloseTo(encoded[0]!.values[5 * 20 + 3]!, 6);
    expect(data[1]![19]![47]).toBeCloseTo(encoded[1]!.values[47 * 20 + 19]!, 6);
    expect(data[0]![3]![30]).toBe(0);
    const mask = attentionMask.arraySync() as number[][];
    expect(mask[0]!.reduce((a, v) => a + v, 0)).toBe(18);
    expect(mask[1]!.every((v) => v === 1)).toBe(true);
    // CMVN per utterance: each mel column has mean ~0.
    let mean = 0;
    for (let s = 0; s < 18; s++) mean += encoded[0]!.values[s * 20 + 7]!;
    expect(Math.abs(mean / 18)).toBeLessThan(1e-4);
    const ids = vocab.indexOf.bind(vocab);
    expect(batch.targets!.arraySync()).toEqual([
      [ids('a'), ids('b'), ids('|'), ids('a')],
      [ids('b'), ids('a'), -100, -100],
    ]);
    expect(pre.modelConfig()).toEqual({ num_mel_bins: 20 });
    tf.dispose([x, attentionMask, batch.targets!]);
  });

  it('decodes MP3 and gives Whisper features their own bins', async () => {
    const pre = new LogMelPreprocessor(
      logMelOptions.parse({ features: 'whisper', numMelBins: 16, whisper: { padToChunk: false } }),
      undefined,
      quiet,
    );
    const e = await pre.encode({ path: mp3 }, eval_);
    expect(e.width).toBe(16);
    expect(e.steps).toBe(50); // 0.5 s at 16 kHz, hop 160
    expect(e.target).toBeUndefined();
  });

  it('augments only in training, reproducibly from the batch rng', async () => {
    const opts = logMelOptions.parse({
      numMelBins: 20,
      specAugment: { numFreqMasks: 1, freqMaskParam: 8, numTimeMasks: 1, timeMaskParam: 10 },
      augment: { noiseProbability: 1, snrDb: [10, 10] },
    });
    const pre = new LogMelPreprocessor(opts, vocab, quiet);
    const plain = await pre.encode(examples[1]!, eval_);
    const a = await pre.encode(examples[1]!, { training: true, rng: new Rng(7) });
    const b = await pre.encode(examples[1]!, { training: true, rng: new Rng(7) });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.values)).not.toEqual(Array.from(plain.values));
    const again = await pre.encode(examples[1]!, eval_);
    expect(Array.from(again.values)).toEqual(Array.from(plain.values));
  });

  it('augments each example of a batch the same whether the batch decodes concurrently or one by one', async () => {
    const opts = logMelOptions.parse({
      numMelBins: 20,
      specAugment: { numFreqMasks: 1, freqMaskParam: 8, numTimeMasks: 1, timeMaskParam: 10 },
      augment: { speedFactors: [0.9, 1.1], noiseProbability: 1, snrDb: [5, 20] },
    });
    const pre = new LogMelPreprocessor(opts, vocab, quiet);
    // The MP3 decodes in a worker, the WAVs in place: concurrently they finish out of call order.
    const batch: AudioExample[] = [{ path: mp3 }, { path: short }, { path: long }];
    const together = { training: true, rng: new Rng(11) };
    const concurrent = await Promise.all(batch.map((e) => pre.encode(e, together)));
    const oneByOne = { training: true, rng: new Rng(11) };
    for (const [i, e] of batch.entries()) {
      const alone = await pre.encode(e, oneByOne);
      expect(Array.from(alone.values)).toEqual(Array.from(concurrent[i]!.values));
    }
  });

  it('reports characters outside the vocabulary once and encodes them as <unk>', async () => {
    const lines: string[] = [];
    const pre = new LogMelPreprocessor(logMelOptions.parse({ numMelBins: 20 }), vocab, (l) => lines.push(l));
    const e1 = await pre.encode({ path: short, transcript: 'abz', source: 'x.tsv:2' }, eval_);
    await pre.encode({ path: short, transcript: 'z', source: 'x.tsv:3' }, eval_);
    expect(e1.target).toEqual({ kind: 'ctc', ids: [3, 4, 1] });
    expect(lines).toEqual(["warning: x.tsv:2: character 'z' is not in the vocabulary; encoded as <unk>"]);
  });

  it('writes the vocabulary as vocab.json and reads predict inputs as paths', async () => {
    const pre = new LogMelPreprocessor(logMelOptions.parse({}), vocab, quiet);
    const out = await fs.mkdtemp(path.join(dir, 'run-'));
    await pre.saveFiles(out);
    const json = JSON.parse(await fs.readFile(path.join(out, 'vocab.json'), 'utf8'));
    expect(json).toEqual(Object.fromEntries(vocab.map((t, i) => [t, i])));
    expect((await pre.parseInput(short)).path).toBe(short);
    await expect(pre.parseInput(path.join(dir, 'missing.wav'))).rejects.toThrow(
      /missing\.wav: no such audio file/,
    );
    expect(pre.lengthOf({ path: short, durationSeconds: 0.2 })).toBe(0.2);
  });

  it('does not leak tensors across batches', async () => {
    const pre = new LogMelPreprocessor(logMelOptions.parse({ numMelBins: 20 }), vocab, quiet);
    const encoded = await Promise.all(examples.map((e) => pre.encode(e, eval_)));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const batch = pre.collate(encoded);
      tf.dispose([
        ...(batch.inputs as tf.Tensor[]).slice(0, 1),
        (batch.inputs[1] as { attentionMask: tf.Tensor }).attentionMask,
        batch.targets!,
      ]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('speech/waveform', () => {
  it('normalises and pads waveforms with a sample mask and class targets', async () => {
    const pre = new WaveformPreprocessor(waveformOptions.parse({}), ['no', 'yes'], quiet);
    const encoded = await Promise.all([
      pre.encode({ path: short, label: 1 }, eval_),
      pre.encode({ path: mp3, label: 0 }, eval_),
    ]);
    expect(encoded.map((e) => e.steps)).toEqual([3200, 8000]);
    const mean = encoded[0]!.values.reduce((a, v) => a + v, 0) / 3200;
    const sq = encoded[0]!.values.reduce((a, v) => a + v * v, 0) / 3200;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(sq).toBeCloseTo(1, 3);
    const batch = pre.collate(encoded);
    const [x, { attentionMask }] = batch.inputs as [tf.Tensor, { attentionMask: tf.Tensor }];
    expect(x.shape).toEqual([2, 8000]);
    expect(attentionMask.sum().arraySync()).toBe(11200);
    expect(batch.targets!.arraySync()).toEqual([1, 0]);
    tf.dispose([x, attentionMask, batch.targets!]);
  });

  it("mixes an example's noise recordings (Speech Commands _background_noise_) into training clips", async () => {
    // A 1 kHz hum longer than a clip may be (maxSeconds), as Speech Commands' 60-95 s ones are.
    const hum = await writeWavClip(path.join(dir, 'noise', 'hum.wav'), 3, 16000, 1000);
    const pre = new WaveformPreprocessor(
      waveformOptions.parse({
        doNormalize: false,
        maxSeconds: 1,
        augment: { noiseProbability: 1, snrDb: [0, 0] },
      }),
      ['no', 'yes'],
      quiet,
    );
    const clean = (await pre.encode({ path: long, label: 1 }, eval_)).values;
    const train = { training: true, rng: new Rng(3) };
    const noisy = (await pre.encode({ path: long, label: 1, noise: [hum] }, train)).values;
    const white = (await pre.encode({ path: long, label: 1 }, { training: true, rng: new Rng(3) })).values;
    // Share of the added signal's energy at 1 kHz: all of it for the hum, little for white noise.
    const atHum = (x: Float32Array) => {
      let [c, s, e] = [0, 0, 0];
      for (let i = 0; i < x.length; i++) {
        const r = x[i]! - clean[i]!;
        c += r * Math.cos((2 * Math.PI * 1000 * i) / 16000);
        s += r * Math.sin((2 * Math.PI * 1000 * i) / 16000);
        e += r * r;
      }
      return (2 * (c * c + s * s)) / (x.length * e);
    };
    expect(atHum(noisy)).toBeGreaterThan(0.99);
    expect(atHum(white)).toBeLessThan(0.05);
    // Eval never adds noise.
    expect((await pre.encode({ path: long, label: 1, noise: [hum] }, eval_)).values).toEqual(clean);
  });

  it('leaves the mask out for checkpoints trained without one', async () => {
    const pre = new WaveformPreprocessor(
      waveformOptions.parse({ returnAttentionMask: false }),
      undefined,
      quiet,
    );
    const batch = pre.collate([await pre.encode({ path: short }, eval_)]);
    expect(batch.inputs).toHaveLength(1);
    expect(batch.targets).toBeUndefined();
    tf.dispose(batch.inputs as tf.Tensor[]);
  });
});
