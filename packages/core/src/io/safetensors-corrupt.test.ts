import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, readSafetensors, readSafetensorsHeader } from './safetensors.js';
import { SafetensorsError } from './safetensors-error.js';
import { serializeSafetensors } from './safetensors-writer.js';

/** Prefix + raw header text + data, so tests can corrupt any part. */
function rawFile(
  headerText: string,
  data: Uint8Array = new Uint8Array(0),
  lengthOverride?: bigint,
): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const fileOf = (header: unknown, dataLength: number) =>
  rawFile(JSON.stringify(header), new Uint8Array(dataLength));

/** Asserts a SafetensorsError whose message names the source and matches every pattern. */
function expectError(run: () => unknown, source: string, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected an error').toBeInstanceOf(SafetensorsError);
  const msg = (caught as Error).message;
  expect(msg).toContain(source);
  for (const p of patterns) expect(msg).toMatch(p);
}

let dir: string;
let good: Uint8Array;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-corrupt-'));
  const a = tf.tensor([1, 2, 3, 4], [2, 2]);
  const b = tf.tensor([5, 6], [2], 'int32');
  good = serializeSafetensors({ 'enc.a': a, 'enc.b': b });
  tf.dispose([a, b]);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('truncated and oversized files', () => {
  it('a file shorter than 8 bytes', () => {
    expectError(
      () => parseSafetensors(good.subarray(0, 5), 'tiny.st'),
      'tiny.st',
      /field 'header length'/,
      /5 bytes/,
    );
  });

  it('a file cut inside the header', async () => {
    const file = path.join(dir, 'cut-header.safetensors');
    await fs.writeFile(file, good.subarray(0, 20));
    await expect(readSafetensors(file)).rejects.toThrow(
      /cut-header\.safetensors.*header length \d+ exceeds the file/,
    );
    await expect(readSafetensorsHeader(file)).rejects.toThrow(/cut-header\.safetensors.*exceeds the file/);
  });

  it('a file cut inside the data names the tensor whose bytes are missing', async () => {
    const file = path.join(dir, 'cut-data.safetensors');
    await fs.writeFile(file, good.subarray(0, good.length - 4));
    // enc.b (int32) is the last tensor in the data buffer.
    await expect(readSafetensors(file)).rejects.toThrow(
      /cut-data\.safetensors: tensor 'enc\.b': field 'data_offsets': \[16, 24\] lie outside the data buffer of 20 bytes/,
    );
    await expect(readSafetensorsHeader(file)).rejects.toThrow(/tensor 'enc\.b'/);
  });

  it('a header length beyond the file', () => {
    const bad = good.slice();
    new DataView(bad.buffer).setBigUint64(0, 5000n, true);
    expectError(() => parseSafetensors(bad, 'long.st'), 'long.st', /header length 5000 exceeds the file/);
  });

  it('a header length above the 100 MB bound', () => {
    const bad = good.slice();
    new DataView(bad.buffer).setBigUint64(0, 2n ** 40n, true);
    expectError(
      () => parseSafetensors(bad, 'huge.st'),
      'huge.st',
      /header length 1099511627776 exceeds the limit/,
    );
  });
});

describe('header syntax', () => {
  it('bad JSON', () => {
    expectError(
      () => parseSafetensors(rawFile('{"a": {'), 'bad.st'),
      'bad.st',
      /field 'header'/,
      /not valid JSON/,
    );
  });

  it('invalid UTF-8', () => {
    const f = rawFile('{}  ');
    f[9] = 0xff;
    expectError(() => parseSafetensors(f, 'u.st'), 'u.st', /not valid UTF-8/);
  });

  it('a header that is not an object', () => {
    expectError(
      () => parseSafetensors(rawFile('[1, 2]'), 'arr.st'),
      'arr.st',
      /must be a JSON object, got an array/,
    );
  });

  it('metadata values that are not strings', () => {
    expectError(
      () => parseSafetensors(fileOf({ __metadata__: { format: 'pt', epoch: 3 } }, 0), 'meta.st'),
      'meta.st',
      /field '__metadata__\.epoch'/,
      /must be strings, got number 3/,
    );
  });
});

describe('tensor entries', () => {
  const entry = (over: Record<string, unknown>) => ({
    dtype: 'F32',
    shape: [2],
    data_offsets: [0, 8],
    ...over,
  });

  it.each(['dtype', 'shape', 'data_offsets'])('missing %s', (field) => {
    const e: Record<string, unknown> = entry({});
    delete e[field];
    expectError(
      () => parseSafetensors(fileOf({ 'h.w': e }, 8), 'm.st'),
      'm.st',
      new RegExp(`tensor 'h\\.w': field '${field}': is missing`),
    );
  });

  it('unknown and unsupported dtypes', () => {
    expectError(
      () => parseSafetensors(fileOf({ w: entry({ dtype: 'F17' }) }, 8), 'd.st'),
      'd.st',
      /tensor 'w': field 'dtype': unknown dtype 'F17'/,
    );
    expectError(
      () => parseSafetensors(fileOf({ w: entry({ dtype: 'F8_E4M3', data_offsets: [0, 2] }) }, 2), 'd.st'),
      'd.st',
      /dtype 'F8_E4M3' is valid safetensors but not supported/,
    );
  });

  it('shapes that are not non-negative integers', () => {
    for (const shape of [[-1], [1.5], 'x', ['2']]) {
      expectError(
        () => parseSafetensors(fileOf({ w: entry({ shape }) }, 8), 's.st'),
        's.st',
        /tensor 'w': field 'shape': must be an array of non-negative integers/,
      );
    }
  });

  it('malformed data_offsets', () => {
    for (const data_offsets of [[0], [8, 0], [0, -8], 'x']) {
      expectError(
        () => parseSafetensors(fileOf({ w: entry({ data_offsets }) }, 8), 'o.st'),
        'o.st',
        /tensor 'w': field 'data_offsets'/,
      );
    }
  });

  it('offsets outside the buffer', () => {
    expectError(
      () => parseSafetensors(fileOf({ w: entry({ data_offsets: [8, 16] }) }, 8), 'out.st'),
      'out.st',
      /tensor 'w': field 'data_offsets': \[8, 16\] lie outside the data buffer of 8 bytes/,
    );
  });

  it('a byte length that does not match the shape', () => {
    expectError(
      () => parseSafetensors(fileOf({ w: entry({ shape: [3] }) }, 8), 'len.st'),
      'len.st',
      /tensor 'w': field 'data_offsets': span 8 bytes but shape \[3\] of F32 needs 3 x 4 = 12 bytes/,
    );
  });
});

describe('coverage of the data buffer', () => {
  it('overlapping tensors name both', () => {
    const header = { a: entry([0, 8]), b: entry([4, 12]) };
    expectError(
      () => parseSafetensors(fileOf(header, 12), 'ov.st'),
      'ov.st',
      /tensor 'b': field 'data_offsets': \[4, 12\] overlap tensor 'a' at \[0, 8\]/,
    );
  });

  it('a hole between tensors', () => {
    const header = { a: entry([0, 8]), b: entry([12, 20]) };
    expectError(
      () => parseSafetensors(fileOf(header, 20), 'hole.st'),
      'hole.st',
      /tensor 'b'.*hole of 4 bytes after tensor 'a'/,
    );
  });

  it('a hole at the start and trailing bytes', () => {
    expectError(
      () => parseSafetensors(fileOf({ a: entry([4, 12]) }, 12), 'start.st'),
      'start.st',
      /at the start/,
    );
    expectError(
      () => parseSafetensors(fileOf({ a: entry([0, 8]) }, 12), 'tail.st'),
      'tail.st',
      /4 trailing bytes not covered.*'a' ends at 8/,
    );
  });

  function entry(data_offsets: [number, number]) {
    return { dtype: 'F32', shape: [2], data_offsets };
  }
});

describe('reading files', () => {
  it('a missing file', async () => {
    await expect(readSafetensors(path.join(dir, 'nope.safetensors'))).rejects.toThrow(
      /nope\.safetensors: cannot read: file not found/,
    );
    await expect(readSafetensors(dir)).rejects.toThrow(/cannot read: not a regular file/);
  });
});
