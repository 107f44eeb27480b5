import { fuzzSettings, InputLimitError, mutateBytes, resolveInputLimits, runFuzzCase } from '@peftkit/core';
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../preprocess/decode.js';
import { DicomError, decodeDicom } from './dicom.js';
import { encodeDicom } from './dicom-writer.js';
import { encodeIdxU8, parseIdx } from './idx.js';

// Property-based fuzzing of the vision decoders: mutated PNG/JPEG/TIFF/WebP, DICOM and IDX bytes
// decode to a well-formed image or fail with the decoder's named error (or an InputLimitError),
// within a time bound and without a memory blow-up. `pnpm fuzz` reruns it with new seeds.

const edits = fc.array(
  fc.record({
    op: fc.constantFrom('flip', 'set', 'insert', 'cut') as fc.Arbitrary<'flip' | 'set' | 'insert' | 'cut'>,
    // Headers are where parsers decide sizes: bias half the edits into the first 64 bytes.
    at: fc.oneof(fc.nat(63), fc.nat()),
    value: fc.nat(255),
  }),
  { minLength: 1, maxLength: 6 },
);

// Small limits, so that "bounded memory" is checked against a budget a case may really fill.
const limits = resolveInputLimits({
  maxInflatedBytes: 64 << 20,
  maxArrayBytes: 64 << 20,
  maxImageBytes: 64 << 20,
});

const pixels = Uint8Array.from({ length: 12 * 10 * 3 }, (_, i) => (i * 29) & 0xff);
const raw = () => sharp(pixels, { raw: { width: 12, height: 10, channels: 3 } });

describe('vision decoders under fuzzing (fast-check, seeded)', () => {
  it('decodeImage: mutated PNG, JPEG, TIFF and WebP give a consistent image or a named error', async () => {
    const files: [string, Uint8Array][] = [
      ['png', new Uint8Array(await raw().png().toBuffer())],
      ['png16', new Uint8Array(await raw().toColourspace('rgb16').png().toBuffer())],
      ['jpeg', new Uint8Array(await raw().jpeg().toBuffer())],
      ['tiff', new Uint8Array(await raw().tiff().toBuffer())],
      ['webp', new Uint8Array(await raw().webp().toBuffer())],
    ];
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(files.length - 1), edits, async (which, e) => {
        const [kind, bytes] = files[which] as [string, Uint8Array];
        const name = `fuzz.${kind}`;
        const got = await runFuzzCase(
          name,
          async () => {
            const img = await decodeImage(mutateBytes(bytes, e), { name, limits });
            expect(img.data.length).toBe(img.width * img.height * img.channels);
          },
          (err) =>
            (err instanceof ImageDecodeError && err.message.includes(name)) || err instanceof InputLimitError,
        );
        if (got === 'value') decoded += 1;
      }),
      fuzzSettings({ seed: 31, runs: 120 }),
    );
    expect(decoded).toBeGreaterThan(0);
  });

  it('decodeDicom: mutated files give a consistent frame or a DicomError / InputLimitError', async () => {
    const files = [
      encodeDicom({
        rows: 6,
        columns: 5,
        pixels: Array.from({ length: 30 }, (_, i) => i * 100),
        bitsAllocated: 16,
      }),
      encodeDicom({
        rows: 4,
        columns: 4,
        pixels: Array.from({ length: 48 }, (_, i) => i),
        samplesPerPixel: 3,
        photometric: 'RGB',
        bitsAllocated: 8,
      }),
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(files.length - 1), edits, async (which, e) => {
        await runFuzzCase(
          'f.dcm',
          () => {
            const img = decodeDicom(mutateBytes(files[which] as Uint8Array, e), 'f.dcm', { limits });
            expect(img.data.length).toBe(img.width * img.height * img.channels);
          },
          (err) =>
            (err instanceof DicomError && err.message.includes('f.dcm')) || err instanceof InputLimitError,
        );
      }),
      fuzzSettings({ seed: 32, runs: 200 }),
    );
  });

  it('parseIdx: mutated plain and gzipped IDX give an array matching its shape or a named error', async () => {
    const { gzipSync } = await import('fflate');
    const idx = encodeIdxU8(
      [3, 4, 4],
      Array.from({ length: 48 }, (_, i) => i),
    );
    const files = [idx, gzipSync(idx)];
    await fc.assert(
      fc.asyncProperty(fc.nat(1), edits, async (which, e) => {
        await runFuzzCase(
          'f.idx',
          () => {
            const a = parseIdx(mutateBytes(files[which] as Uint8Array, e), 'f.idx', limits);
            expect(a.data.length).toBe(a.shape.reduce((p, d) => p * d, 1));
          },
          (err) =>
            err instanceof InputLimitError ||
            (err instanceof Error && err.constructor === Error && err.message.startsWith('f.idx: ')),
        );
      }),
      fuzzSettings({ seed: 33, runs: 200 }),
    );
  });
});
