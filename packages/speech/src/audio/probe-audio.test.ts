import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from './audio-error.js';
import { decodeAudio } from './decode-audio.js';
import { inspectAudio } from './inspect.js';
import { probeAudioFile } from './probe-audio.js';
import { encodeWav, extensibleFloatWav, riffChunk, tone } from './testing/index.js';

const FIXTURES = new URL('../../test-data/audio/', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-probe-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('probeAudioFile (headers only)', () => {
  it('reports format, rate, channels and duration of each fixture, as decoding finds them', async () => {
    for (const file of await fs.readdir(FIXTURES)) {
      if (!/\.(mp3|flac|ogg|opus)$/.test(file)) continue;
      const p = path.join(FIXTURES, file);
      const probe = await probeAudioFile(p);
      const decoded = await decodeAudio(p, { targetRate: 'original' });
      expect(probe, file).toMatchObject({
        format: decoded.format,
        sampleRate: decoded.originalSampleRate,
        channels: decoded.channels,
        exact: true,
      });
      expect(probe.durationSeconds, file).toBeCloseTo(decoded.durationSeconds, 6);
      expect(probe.bytes).toBe((await fs.stat(p)).size);
    }
  });

  it('estimates a large MP3 without an Info tag from its bitrate, reading only its head', async () => {
    // 40 copies of a tagless MPEG-2 stream are one valid 23 s constant-bitrate MP3 of 92 KB.
    const one = await fs.readFile(path.join(FIXTURES, 'tone-440hz-16k-mono-notag.mp3'));
    const big = path.join(dir, 'long.mp3');
    await fs.writeFile(big, Buffer.concat(Array.from({ length: 40 }, () => one)));
    const probe = await probeAudioFile(big);
    expect(probe.exact).toBe(false);
    expect(probe.durationSeconds).toBeCloseTo(40 * 0.576, 6);
    expect((await decodeAudio(big, { targetRate: 'original' })).durationSeconds).toBeCloseTo(40 * 0.576, 6);
  });

  it('takes Ogg durations from the last granule position in the tail of the file', async () => {
    for (const [file, seconds] of [
      ['tone-440hz-48k-mono.ogg', 0.5],
      ['tone-440hz-44k1-stereo.opus', 0.5],
    ] as const) {
      const bytes = new Uint8Array(await fs.readFile(path.join(FIXTURES, file)));
      // What probeAudioFile reads of a large file: a head and a tail (there 64 KiB, which always
      // holds the last page's header: Ogg pages are at most 65,307 bytes), not the middle.
      const found = inspectAudio({
        head: bytes.subarray(0, 512),
        tail: bytes.subarray(bytes.length - 4096),
        fileSize: bytes.length,
        whole: false,
        name: file,
      });
      expect(found?.probe.durationSeconds, file).toBeCloseTo(seconds, 6);
      expect(found?.probe.exact).toBe(true);
    }
  });

  it('reads on when a WAV header lies beyond the first 64 KiB', async () => {
    const wav = path.join(dir, 'late-data.wav');
    await fs.writeFile(wav, extensibleFloatWav(tone(440, 8000, 0.5), 8000, [riffChunk('LIST', 70_000)]));
    const probe = await probeAudioFile(wav);
    expect(probe).toMatchObject({
      format: 'wav',
      sampleRate: 8000,
      channels: 1,
      durationSeconds: 0.5,
      exact: true,
    });
  });

  it('refuses what it cannot probe, naming the file', async () => {
    const wav = encodeWav([tone(440, 8000, 0.1)], 8000, '16');
    const cut = path.join(dir, 'cut.wav');
    await fs.writeFile(cut, wav.subarray(0, 30));
    await expect(probeAudioFile(cut)).rejects.toThrow(
      `${cut}: truncated WAV: the file ends inside its header`,
    );
    await expect(probeAudioFile(path.join(dir, 'missing.flac'))).rejects.toBeInstanceOf(AudioError);
    await expect(probeAudioFile(path.join(FIXTURES, 'make-fixtures.sh'))).rejects.toThrow(
      'not a WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus file: unrecognised data (first bytes 23 21 2f 62)',
    );
    await expect(probeAudioFile(cut, { maxBytes: 10 })).rejects.toThrow(
      `${cut}: 30 bytes, over the 10 bytes limit (maxBytes)`,
    );
  });
});
