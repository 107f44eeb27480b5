import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError, type AudioErrorReason } from './audio-error.js';
import { decodeAudio } from './decode-audio.js';
import { encodeWav, extensibleFloatWav, riffChunk, tone, type WavDepth } from './testing/index.js';

const FIXTURES = new URL('../../test-data/audio/', import.meta.url);
const fixture = (name: string) => path.join(FIXTURES.pathname, name);

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-audio-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<AudioError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AudioError);
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).not.toContain('\n');
  return err as AudioError;
}

async function expectReason(p: Promise<unknown>, reason: AudioErrorReason, text: string): Promise<void> {
  const err = await rejection(p);
  expect(err.reason).toBe(reason);
  expect(err.message).toContain(text);
}

/** Power of `hz` in `x` (Goertzel), normalised by length. */
function power(x: Float32Array, rate: number, hz: number): number {
  const w = (2 * Math.PI * hz) / rate;
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += (x[i] as number) * Math.cos(w * i);
    im -= (x[i] as number) * Math.sin(w * i);
  }
  return (re * re + im * im) / (x.length * x.length);
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs((a[i] as number) - (b[i] as number)));
  return e;
}

describe('decodeAudio: WAV through wavefile', () => {
  const src = tone(440, 8000, 0.25, 0.6);
  // Quantisation step of each depth, and the companding error of mu-law/A-law (measured ~0.015).
  const cases: [WavDepth, number][] = [
    ['8', 1 / 128],
    ['16', 1 / 32768],
    ['24', 1 / 8388608],
    ['32', 1e-7],
    ['32f', 0],
    ['64', 1e-7],
    ['8m', 0.02],
    ['8a', 0.02],
  ];
  for (const [depth, tol] of cases) {
    it(`reads ${depth}-bit WAV to floats in [-1, 1]`, async () => {
      const got = await decodeAudio(encodeWav([src], 8000, depth), {
        targetRate: 'original',
        name: `${depth}.wav`,
      });
      expect(got).toMatchObject({ format: 'wav', sampleRate: 8000, originalSampleRate: 8000, channels: 1 });
      expect(got.samples.length).toBe(src.length);
      expect(got.durationSeconds).toBeCloseTo(0.25, 10);
      expect(maxDiff(got.samples, src)).toBeLessThanOrEqual(
        tol * 0.5 + 1e-7 + (depth.startsWith('8') && depth !== '8' ? tol : 0),
      );
    });
  }

  it('averages channels to mono (stereo, 6 channels, big-endian RIFX)', async () => {
    const left = tone(440, 8000, 0.1, 0.5);
    const right = left.map((v) => 0.25 - v);
    const stereo = await decodeAudio(encodeWav([left, right], 8000, '32f'), { targetRate: 'original' });
    expect(stereo.channels).toBe(2);
    for (const v of stereo.samples) expect(v).toBeCloseTo(0.125, 6);
    const six = Array.from({ length: 6 }, (_, c) => new Float32Array(800).fill((c - 2) / 10));
    const surround = await decodeAudio(encodeWav(six, 8000, '16'), { targetRate: 'original' });
    expect(surround.channels).toBe(6);
    for (const v of surround.samples) expect(v).toBeCloseTo(0.05, 4);
    const be = await decodeAudio(encodeWav([left], 8000, '16', { bigEndian: true }), {
      targetRate: 'original',
    });
    expect(maxDiff(be.samples, left)).toBeLessThan(1 / 32768);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE float with chunks before the data', async () => {
    const x = tone(1000, 16_000, 0.05, 0.9);
    const wav = extensibleFloatWav(x, 16_000, [riffChunk('LIST', 100), riffChunk('junk', 8)]);
    const got = await decodeAudio(wav, { targetRate: 'original' });
    expect(maxDiff(got.samples, x)).toBe(0);
  });

  it('resamples to the target rate (default 16 kHz)', async () => {
    const got = await decodeAudio(encodeWav([tone(440, 44_100, 0.5)], 44_100, '16'));
    expect(got.sampleRate).toBe(16_000);
    expect(got.originalSampleRate).toBe(44_100);
    expect(got.samples.length).toBe(8000);
    expect(power(got.samples, 16_000, 440) / power(got.samples, 16_000, 1000)).toBeGreaterThan(1e4);
  });
});

describe('decodeAudio: compressed formats (committed fixtures, 440 Hz at amplitude 0.5)', () => {
  const cases = [
    // file, original rate, channels, decoded seconds
    ['tone-440hz-48k-mono.mp3', 48_000, 1, 0.5],
    ['tone-440hz-44k1-stereo.mp3', 44_100, 2, 0.5],
    // No LAME tag: encoder delay and padding stay in (16 frames of 576 samples).
    ['tone-440hz-16k-mono-notag.mp3', 16_000, 1, 0.576],
    ['tone-440hz-44k1-stereo.flac', 44_100, 2, 0.2],
    ['tone-440hz-48k-mono-24bit.flac', 48_000, 1, 0.2],
    ['tone-440hz-48k-mono.ogg', 48_000, 1, 0.5],
    ['tone-440hz-44k1-stereo.opus', 48_000, 2, 0.5],
  ] as const;
  for (const [file, rate, channels, seconds] of cases) {
    it(`decodes ${file}`, async () => {
      const got = await decodeAudio(fixture(file), { targetRate: 'original' });
      expect(got).toMatchObject({ originalSampleRate: rate, sampleRate: rate, channels });
      expect(got.durationSeconds).toBeCloseTo(seconds, 6);
      const skip = Math.floor(rate * Math.min(0.1, seconds / 4));
      const middle = got.samples.subarray(skip, got.samples.length - skip);
      // Lossy codecs keep the tone: RMS within 6% of 0.5/sqrt(2), 440 Hz far above 880/1000 Hz.
      expect(rms(middle)).toBeGreaterThan(0.3535 * 0.94);
      expect(rms(middle)).toBeLessThan(0.3535 * 1.06);
      const at440 = power(middle, rate, 440);
      expect(at440 / power(middle, rate, 880)).toBeGreaterThan(1e3);
      expect(at440 / power(middle, rate, 1000)).toBeGreaterThan(1e3);
      const at16k = await decodeAudio(fixture(file));
      expect(at16k.samples.length).toBe(Math.ceil((got.samples.length * 16_000) / rate));
    });
  }

  it('skips a leading ID3v2 tag before MP3 and FLAC streams', async () => {
    // 'ID3', version 4.0, no flags, syncsafe size 20, then 20 bytes of tag body.
    const tag = Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20, ...new Array(20).fill(0)]);
    for (const file of ['tone-440hz-48k-mono.mp3', 'tone-440hz-44k1-stereo.flac']) {
      const body = new Uint8Array(await fs.readFile(fixture(file)));
      const tagged = new Uint8Array(tag.length + body.length);
      tagged.set(tag);
      tagged.set(body, tag.length);
      const plain = await decodeAudio(body, { targetRate: 'original' });
      const got = await decodeAudio(tagged, { targetRate: 'original', name: file });
      expect(got.samples).toEqual(plain.samples);
    }
  });

  it('detects the format from magic bytes, not the extension', async () => {
    const mp3AsWav = path.join(dir, 'really-an-mp3.wav');
    await fs.copyFile(fixture('tone-440hz-48k-mono.mp3'), mp3AsWav);
    expect((await decodeAudio(mp3AsWav)).format).toBe('mp3');
    const wavAsOgg = path.join(dir, 'really-a-wav.ogg');
    await fs.writeFile(wavAsOgg, encodeWav([tone(440, 8000, 0.1)], 8000, '16'));
    expect((await decodeAudio(wavAsOgg)).format).toBe('wav');
  });
});

describe('decodeAudio: errors name the file and the problem', () => {
  it('refuses unsupported formats by saying what the file is', async () => {
    const text = path.join(dir, 'notes.wav');
    await fs.writeFile(text, 'hello, this is text\n');
    await expectReason(
      decodeAudio(text),
      'unsupported',
      `${text}: not a WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus file`,
    );
    const mp4 = new Uint8Array(32);
    mp4.set([0, 0, 0, 32, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20]);
    await expectReason(
      decodeAudio(mp4, { name: 'a.m4a' }),
      'unsupported',
      'a.m4a: not a WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus file: an MP4/M4A file',
    );
    const adpcm = encodeWav([tone(440, 8000, 0.1)], 8000, '16');
    new DataView(adpcm.buffer).setUint16(20, 2, true);
    await expectReason(
      decodeAudio(adpcm, { name: 'ms.wav' }),
      'unsupported',
      'ms.wav: unsupported WAV encoding 0x0002 (MS ADPCM)',
    );
  });

  it('reports missing, empty and directory inputs', async () => {
    await expectReason(
      decodeAudio(path.join(dir, 'nope.wav')),
      'unreadable',
      'nope.wav: cannot read: no such file',
    );
    const empty = path.join(dir, 'empty.mp3');
    await fs.writeFile(empty, '');
    await expectReason(decodeAudio(empty), 'empty', `${empty}: empty file`);
    await expectReason(decodeAudio(dir), 'unreadable', 'not a regular file');
  });

  it('reports truncated files of every format', async () => {
    const wav = encodeWav([tone(440, 8000, 0.1)], 8000, '16');
    await expectReason(
      decodeAudio(wav.subarray(0, wav.length - 100), { name: 't.wav' }),
      'truncated',
      't.wav: truncated WAV: the data chunk declares 1600 bytes, the file holds 1500',
    );
    const cuts: [string, string][] = [
      ['tone-440hz-48k-mono.mp3', 'truncated MP3'],
      ['tone-440hz-44k1-stereo.flac', 'FLAC'],
      ['tone-440hz-48k-mono.ogg', 'truncated Ogg'],
      ['tone-440hz-44k1-stereo.opus', 'truncated Ogg'],
    ];
    for (const [file, text] of cuts) {
      const bytes = new Uint8Array(await fs.readFile(fixture(file)));
      const err = await rejection(
        decodeAudio(bytes.subarray(0, Math.floor(bytes.length * 0.7)), { name: file }),
      );
      expect(err.message).toContain(text);
      expect(['truncated', 'corrupt']).toContain(err.reason);
    }
  });

  it('refuses non-finite float samples', async () => {
    const x = tone(440, 8000, 0.01);
    x[7] = Number.NaN;
    await expectReason(
      decodeAudio(encodeWav([x], 8000, '32f'), { name: 'nan.wav' }),
      'corrupt',
      'nan.wav: corrupt audio: sample 7 is NaN',
    );
  });
});

describe('decodeAudio: limits', () => {
  it('refuses a file over maxBytes from its size alone', async () => {
    const big = path.join(dir, 'big.wav');
    await fs.writeFile(big, encodeWav([tone(440, 8000, 0.1)], 8000, '16'));
    await fs.truncate(big, 3 * 1024 ** 3); // sparse: no disk or memory used
    await expectReason(
      decodeAudio(big),
      'too-large',
      'big.wav: 3072.0 MiB, over the 64.0 MiB limit (maxBytes)',
    );
  });

  it('refuses a 3-hour WAV from its header before reading it', async () => {
    // Header of 3 h of 16 kHz 16-bit mono (345.6 MB of data), as a sparse file.
    const hours = path.join(dir, 'three-hours.wav');
    const header = encodeWav([new Float32Array(0)], 16_000, '16').subarray(0, 44);
    const dataBytes = 3 * 3600 * 16_000 * 2;
    const v = new DataView(header.buffer, header.byteOffset, 44);
    v.setUint32(4, 36 + dataBytes, true);
    v.setUint32(40, dataBytes, true);
    await fs.writeFile(hours, header);
    await fs.truncate(hours, 44 + dataBytes);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    await expectReason(
      decodeAudio(hours, { maxBytes: 1024 ** 3, maxSeconds: 30 }),
      'too-long',
      'three-hours.wav: 10800 s, longer than the 30 s limit (maxSeconds)',
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 ** 2);
  });

  it('checks compressed durations from headers, and stops decoding when headers do not say', async () => {
    await expectReason(
      decodeAudio(fixture('tone-440hz-48k-mono.ogg'), { maxSeconds: 0.25 }),
      'too-long',
      '0.50 s, longer than the 0.25 s limit',
    );
    await expectReason(
      decodeAudio(fixture('tone-440hz-44k1-stereo.mp3'), { maxSeconds: 0.25 }),
      'too-long',
      '0.50 s',
    );
    // A FLAC whose STREAMINFO leaves the length unknown (0), as stream encoders write it.
    const flac = new Uint8Array(await fs.readFile(fixture('tone-440hz-44k1-stereo.flac')));
    flac[8 + 13] = (flac[8 + 13] as number) & 0xf0;
    flac.fill(0, 8 + 14, 8 + 18);
    const ok = await decodeAudio(flac, { targetRate: 'original' });
    expect(ok.durationSeconds).toBeCloseTo(0.2, 6);
    await expectReason(
      decodeAudio(flac, { maxSeconds: 0.05, name: 'stream.flac' }),
      'too-long',
      'stream.flac: longer than the 0.05 s limit (stopped decoding)',
    );
  });
});
