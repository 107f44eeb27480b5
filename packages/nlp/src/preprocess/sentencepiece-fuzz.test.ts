import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzSettings, mutateBytes, runFuzzCase } from '@peftkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSentencePieceModel } from './sentencepiece-model.js';

// Property-based fuzzing of the SentencePiece model decoder (Marian's source.spm / target.spm):
// a mutated or truncated protobuf gives a model with pieces or one Error line naming the file,
// never a TypeError/RangeError or a hang. `pnpm fuzz` reruns it with new seeds and more cases.

const fixture = fileURLToPath(new URL('../../test-data/marian-spm/source.spm', import.meta.url));

const edits = fc.array(
  fc.record({
    op: fc.constantFrom('flip', 'set', 'insert', 'cut') as fc.Arbitrary<'flip' | 'set' | 'insert' | 'cut'>,
    at: fc.nat(),
    value: fc.nat(255),
  }),
  { minLength: 1, maxLength: 8 },
);

describe('SentencePiece model decoder under fuzzing (fast-check, seeded)', () => {
  it('mutated source.spm bytes give a model with pieces or an error naming the file', async () => {
    const bytes = new Uint8Array(await fs.readFile(fixture));
    const where = path.basename(fixture);
    expect(readSentencePieceModel(bytes, where).pieces.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        await runFuzzCase(
          where,
          () => {
            const model = readSentencePieceModel(mutateBytes(bytes, e), where);
            expect(model.pieces.length).toBeGreaterThan(0);
          },
          (err) =>
            err instanceof Error &&
            !(err instanceof TypeError || err instanceof RangeError) &&
            err.message.startsWith(where) &&
            !err.message.includes('\n'),
        );
      }),
      fuzzSettings({ seed: 43, runs: 300 }),
    );
  });
});
