import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeInWorker } from './decode-pool.js';
import { decodeStream } from './wasm-decode.mjs';

const FIXTURES = new URL('../../test-data/audio/', import.meta.url).pathname;
const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, f)));

describe('compressed decoding in the worker thread', () => {
  it('gives the same samples as decoding on the calling thread', async () => {
    for (const [file, format] of [
      ['tone-440hz-48k-mono.mp3', 'mp3'],
      ['tone-440hz-44k1-stereo.flac', 'flac'],
      ['tone-440hz-48k-mono.ogg', 'ogg-vorbis'],
      ['tone-440hz-44k1-stereo.opus', 'ogg-opus'],
    ] as const) {
      const bytes = read(file);
      const options = { maxFrames: 1e6, expectedFrames: 0 };
      const [inWorker, here] = await Promise.all([
        decodeInWorker(format, bytes, options),
        decodeStream(format, bytes, options),
      ]);
      expect(inWorker.status, file).toBe('ok');
      expect(inWorker).toEqual(here);
      // The caller's bytes are copied to the worker, not transferred away.
      expect(bytes.length).toBeGreaterThan(0);
    }
  });

  it('reports the cap and decoder errors as results, not exceptions', async () => {
    const bytes = read('tone-440hz-48k-mono.ogg');
    expect(await decodeInWorker('ogg-vorbis', bytes, { maxFrames: 1000, expectedFrames: 0 })).toEqual({
      status: 'over-cap',
    });
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) % 251);
    const r = await decodeInWorker('flac', garbage, { maxFrames: 1e6, expectedFrames: 0 });
    expect(['ok', 'decoder-error', 'failed']).toContain(r.status);
  });

  it('does not keep a process alive after decoding (run under tsx, as the CLI runs)', async () => {
    const script = [
      `import { decodeAudio } from ${JSON.stringify(new URL('./decode-audio.ts', import.meta.url).pathname)};`,
      `const a = await decodeAudio(${JSON.stringify(path.join(FIXTURES, 'tone-440hz-48k-mono.mp3'))});`,
      'console.log(a.samples.length);',
    ].join('\n');
    const file = path.join(os.tmpdir(), `peftkit-decode-exit-${process.pid}.mts`);
    fs.writeFileSync(file, script);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
        cwd: process.cwd(),
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('8000');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
