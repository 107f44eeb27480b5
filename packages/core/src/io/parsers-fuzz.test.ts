import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzSettings, mutateBytes, runFuzzCase } from '../common/fuzz-settings.js';
import { loadConfigFile } from '../plugin/run-config/config-file.js';
import { UserError } from '../plugin/user-error.js';
import { parseJsonBounded } from './bounded-read.js';
import { parseCsv } from './csv.js';
import { PathOutsideRootError, resolveInsideRoot } from './inside-root.js';
import { encodeNpy, parseNpy } from './npy.js';
import { encodeNpz, parseNpz } from './npz.js';
import { parseSafetensors } from './safetensors.js';

// Property-based fuzzing of core's parsers: random and mutated valid inputs must give a valid
// result or a clean error naming the input, within a time bound and without a memory blow-up.
// `pnpm fuzz` reruns this with new seeds and more cases (PEFTKIT_FUZZ_SEED / _SCALE).

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'parsers-fuzz-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const edits = fc.array(
  fc.record({
    op: fc.constantFrom('flip', 'set', 'insert', 'cut') as fc.Arbitrary<'flip' | 'set' | 'insert' | 'cut'>,
    at: fc.nat(),
    value: fc.nat(255),
  }),
  { minLength: 1, maxLength: 8 },
);

/** A clean error: an Error of ours (not a TypeError/RangeError from a bug) whose message names the input. */
const namedError = (name: string) => (err: unknown) =>
  err instanceof Error &&
  !(err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) &&
  err.message.includes(name) &&
  !err.message.includes('\n');

/** Nesting depth of arrays/objects (a scalar is 0). */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  return 1 + Math.max(0, ...Object.values(v).map(depthOf));
}

// Small limits, so that "bounded memory" is checked against a budget a case may really fill.
const small = { maxInflatedBytes: 64 << 20, maxArrayBytes: 64 << 20 };

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function safetensorsFile(): Uint8Array {
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    'a.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    'a.bias': { dtype: 'F16', shape: [4], data_offsets: [24, 32] },
    'b.idx': { dtype: 'I64', shape: [2], data_offsets: [32, 48] },
  });
  const json = new TextEncoder().encode(header.padEnd(Math.ceil(header.length / 8) * 8, ' '));
  const out = new Uint8Array(8 + json.length + 48);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  for (let i = 0; i < 24; i++) out[8 + json.length + i] = (i * 37) & 0x3f;
  return out;
}

describe('core parsers under fuzzing (fast-check, seeded)', () => {
  it('parseCsv: random text and mutated CSV give a table or an error naming file and line', async () => {
    const alphabet = fc.constantFrom('a', 'b', ',', '"', '\n', '\r', '\t', ' ', '1', 'é');
    const valid = 'text,label\n"a, ""b""",1\nplain,0\n"c",1\n';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: alphabet, maxLength: 200 }),
          edits.map((e) => new TextDecoder().decode(mutateBytes(new TextEncoder().encode(valid), e))),
        ),
        fc.boolean(),
        async (text, multiline) => {
          await runFuzzCase(
            'f.csv',
            () => {
              const t = parseCsv(text, { source: 'f.csv', multiline });
              for (const r of t.rows) expect(r.length).toBe(t.header.length);
              expect(t.lines).toHaveLength(t.rows.length);
            },
            (err) => namedError('f.csv')(err) && /^f\.csv(:\d+)?: /.test((err as Error).message),
          );
        },
      ),
      fuzzSettings({ seed: 15, runs: 300 }),
    );
  });

  it('parseNpy / parseNpz: mutated arrays and archives give arrays matching their shape or a named error', async () => {
    const npy = encodeNpy(
      '<f4',
      [3, 4],
      Array.from({ length: 12 }, (_, i) => i / 3),
    );
    const npz = encodeNpz({ x: npy, y: encodeNpy('<i8', [3], [1, 2, 3]) });
    let values = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), edits, async (archive, e) => {
        const bytes = mutateBytes(archive ? npz : npy, e);
        const name = archive ? 'm.npz' : 'm.npy';
        const got = await runFuzzCase(
          name,
          () => {
            const arrays = archive
              ? [...parseNpz(bytes, name, undefined, small).values()]
              : [parseNpy(bytes, name, small)];
            for (const a of arrays) expect(a.data.length).toBe(a.shape.reduce((p, d) => p * d, 1));
          },
          namedError(name),
        );
        if (got === 'value') values += 1;
      }),
      fuzzSettings({ seed: 16, runs: 200 }),
    );
    // Mutations of data bytes (not headers) still parse: the property saw both outcomes.
    expect(values).toBeGreaterThan(0);
  });

  it('parseNpy: random headers never allocate past limits.maxArrayBytes', async () => {
    const dims = fc.array(fc.oneof(fc.nat(10), fc.nat(2 ** 40)), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(
        dims,
        fc.constantFrom('<f4', '|u1', '<i8', '<f8', '>f4', '<c8'),
        async (shape, dtype) => {
          const text = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
          const header = latin1(
            `\x93NUMPY\x01\x00${String.fromCharCode(text.length & 0xff, text.length >> 8)}${text}`,
          );
          const bytes = new Uint8Array(header.length + 64);
          bytes.set(header);
          await runFuzzCase('h.npy', () => parseNpy(bytes, 'h.npy'), namedError('h.npy'));
        },
      ),
      fuzzSettings({ seed: 17, runs: 150 }),
    );
  });

  it('parseSafetensors: mutated files give consistent tensors or a SafetensorsError naming the file', async () => {
    const file = safetensorsFile();
    expect([...parseSafetensors(file, 'w.safetensors').tensors.keys()].sort()).toEqual([
      'a.bias',
      'a.weight',
      'b.idx',
    ]);
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        await runFuzzCase(
          'w.safetensors',
          () => {
            const { tensors } = parseSafetensors(mutateBytes(file, e), 'w.safetensors');
            for (const t of tensors.values()) expect(t.data.length).toBe(t.shape.reduce((p, d) => p * d, 1));
          },
          namedError('w.safetensors'),
        );
      }),
      fuzzSettings({ seed: 18, runs: 200 }),
    );
  });

  it('JSON and YAML run configs: random and mutated documents load or fail with one UserError line', async () => {
    const yaml =
      'training:\n  lr: 0.001\n  epochs: 2\ndata:\n  train: a.csv\n  options: { textField: t, tags: [a, b] }\nx: &a [1, 2]\ny: *a\n';
    const json = JSON.stringify({ training: { lr: 0.001 }, data: { options: { a: [1, { b: 2 }] } } });
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('yaml', 'json'),
        fc.oneof(
          fc.string({ maxLength: 120 }),
          edits.map((e) => e),
        ),
        fc.nat(300),
        async (ext, input, depth) => {
          const base = ext === 'yaml' ? yaml : json;
          const text =
            typeof input === 'string'
              ? `${input}${'['.repeat(depth % 7 === 0 ? depth : 0)}`
              : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(base), input));
          const file = path.join(tmp, `c${k++}.${ext}`);
          await fs.writeFile(file, text);
          await runFuzzCase(
            file,
            () => loadConfigFile(file),
            (err) => err instanceof UserError && namedError(file)(err),
          );
          await fs.rm(file);
        },
      ),
      fuzzSettings({ seed: 19, runs: 150 }),
    );
  });

  it('parseJsonBounded: arbitrary JSON values parse back equal or fail on the depth limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 70 }), async (v) => {
        const text = JSON.stringify(v);
        const got = await runFuzzCase(
          'v.json',
          () => expect(parseJsonBounded(text, 'v.json')).toEqual(JSON.parse(text)),
          (err) => err instanceof UserError && /maxJsonDepth/.test((err as Error).message),
        );
        expect(got === 'error').toBe(depthOf(v) > 64);
      }),
      fuzzSettings({ seed: 20, runs: 150 }),
    );
  });

  it('resolveInsideRoot: any manifest path resolves inside the root or is refused with PathOutsideRootError', async () => {
    const root = path.join(tmp, 'root');
    await fs.mkdir(path.join(root, 'a'), { recursive: true });
    const part = fc.constantFrom('a', 'b', '..', '.', '', '/', '\\', 'x.png', '%2e%2e', '~', '\0');
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 8 }), async (parts) => {
        const rel = parts.join('/');
        await runFuzzCase(
          'm.csv:2',
          () => {
            const full = resolveInsideRoot(root, rel, 'm.csv:2');
            const back = path.relative(root, full);
            expect(back.startsWith('..') || path.isAbsolute(back) || back === '').toBe(false);
          },
          (err) =>
            (err instanceof PathOutsideRootError || err instanceof UserError) && namedError('m.csv:2')(err),
        );
      }),
      fuzzSettings({ seed: 21, runs: 300 }),
    );
  });
});
