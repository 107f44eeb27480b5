import * as fs from 'node:fs';
import * as path from 'node:path';
import { fuzzSettings, Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { AudioError } from './audio-error.js';
import { decodeAudio } from './decode-audio.js';
import { inspectAudio } from './inspect.js';
import { encodeWav, tone } from './testing/index.js';

// Damaged inputs must end in an AudioError (a one-line UserError) or in valid audio: never in
// another exception, a crash of a wasm decoder, or a hang (the test timeout would catch one).

const FIXTURES = new URL('../../test-data/audio/', import.meta.url).pathname;
const x = tone(440, 8000, 0.05);
const sources: [string, Uint8Array][] = [
  ...fs
    .readdirSync(FIXTURES)
    .filter((f) => /\.(mp3|flac|ogg|opus)$/.test(f))
    .map((f): [string, Uint8Array] => [f, new Uint8Array(fs.readFileSync(path.join(FIXTURES, f)))]),
  ['pcm16-stereo.wav', encodeWav([x, x.map((v) => -v / 2)], 8000, '16')],
  ['pcm24.wav', encodeWav([x], 8000, '24')],
  ['float32.wav', encodeWav([x], 8000, '32f')],
  ['mulaw.wav', encodeWav([x], 8000, '8m')],
];

type Outcome = 'error' | 'audio';

async function outcome(bytes: Uint8Array, name: string): Promise<Outcome> {
  // The head-only probe path (what readers use on large files) must hold up too.
  try {
    inspectAudio({
      head: bytes.subarray(0, 512),
      tail: bytes.subarray(-512),
      fileSize: bytes.length,
      whole: false,
      name,
    });
  } catch (err) {
    if (!(err instanceof AudioError)) throw err;
  }
  try {
    const got = await decodeAudio(bytes, { name, targetRate: 'original', maxSeconds: 5 });
    expect(got.samples.length).toBeGreaterThan(0);
    expect(got.durationSeconds).toBeLessThanOrEqual(5);
    for (const v of got.samples) if (!Number.isFinite(v)) throw new Error(`${name}: non-finite sample`);
    return 'audio';
  } catch (err) {
    if (err instanceof AudioError) {
      expect(err.message.startsWith(`${name}: `)).toBe(true);
      expect(err.message).not.toContain('\n');
      return 'error';
    }
    throw err;
  }
}

describe('decodeAudio on damaged files (seeded fuzz)', () => {
  it('rejects every truncation with an AudioError', async () => {
    const { seed, numRuns } = fuzzSettings({ seed: 7, runs: 20 });
    const rng = new Rng(seed);
    for (const [file, bytes] of sources) {
      for (let k = 0; k < numRuns; k++) {
        const cut = rng.int(bytes.length);
        const result = await outcome(bytes.slice(0, cut), `${file}[0:${cut}]`);
        // An MP3 without an Info tag cut at a frame boundary is a valid shorter MP3.
        if (!file.includes('notag')) expect(result, `${file} cut at ${cut}`).toBe('error');
      }
    }
  });

  it('survives random bit flips: an AudioError or finite audio, nothing else', async () => {
    const { seed, numRuns } = fuzzSettings({ seed: 11, runs: 20 });
    const rng = new Rng(seed);
    const seen: Record<Outcome, number> = { error: 0, audio: 0 };
    for (const [file, bytes] of sources) {
      for (let k = 0; k < numRuns; k++) {
        const mutant = bytes.slice();
        const flips = 1 + rng.int(8);
        // Half the mutants are hit in the first 64 bytes, where the headers are.
        for (let f = 0; f < flips; f++) {
          const at = k % 2 ? rng.int(Math.min(64, mutant.length)) : rng.int(mutant.length);
          mutant[at] = (mutant[at] as number) ^ (1 << rng.int(8));
        }
        seen[await outcome(mutant, `${file}#${k}`)]++;
      }
    }
    // Both outcomes occur: flips in sample data leave playable audio, flips in headers do not.
    expect(seen.error).toBeGreaterThan(20);
    expect(seen.audio).toBeGreaterThan(20);
  });
});
