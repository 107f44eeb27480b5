import * as fs from 'node:fs/promises';
import { checkLimit, DEFAULT_INPUT_LIMITS, InputLimitError, type InputLimits } from '@peftkit/core';
import { Gunzip } from 'fflate';

/** An IDX array (the MNIST/Fashion-MNIST file format): shape and C-order values. */
export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** IDX type codes: size and big-endian reader. */
const TYPES: Record<
  number,
  {
    name: string;
    size: number;
    make: (n: number) => IdxArray['data'];
    get: (v: DataView, o: number) => number;
  }
> = {
  8: { name: 'u8', size: 1, make: (n) => new Uint8Array(n), get: (v, o) => v.getUint8(o) },
  9: { name: 'i8', size: 1, make: (n) => new Int8Array(n), get: (v, o) => v.getInt8(o) },
  11: { name: 'i16', size: 2, make: (n) => new Int16Array(n), get: (v, o) => v.getInt16(o) },
  12: { name: 'i32', size: 4, make: (n) => new Int32Array(n), get: (v, o) => v.getInt32(o) },
  13: { name: 'f32', size: 4, make: (n) => new Float32Array(n), get: (v, o) => v.getFloat32(o) },
  14: { name: 'f64', size: 8, make: (n) => new Float64Array(n), get: (v, o) => v.getFloat64(o) },
};

/**
 * Parses IDX bytes (gzipped or not): magic `00 00 <type> <ndims>`, big-endian 32-bit dimension
 * sizes, then big-endian values. Errors are prefixed with `name`.
 *
 * @example
 * const images = parseIdx(await fs.readFile('train-images-idx3-ubyte.gz'), 'train-images'); // [60000, 28, 28]
 */
export function parseIdx(
  input: Uint8Array,
  name = '<idx>',
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): IdxArray {
  const fail = (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
  let bytes = input;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // gzip's trailer declares the inflated size (mod 2^32); fflate inflates into a buffer of it.
    const declared =
      bytes.length >= 18
        ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true)
        : 0;
    checkLimit(limits, 'maxInflatedBytes', declared, `${name}: the gzip data declares an inflated size of`);
    bytes = gunzipBounded(bytes, name, limits);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) fail('not an IDX file (bad magic)');
  const type = TYPES[bytes[2] as number];
  if (!type) return fail(`unknown IDX type code 0x${(bytes[2] as number).toString(16)}`);
  const ndims = bytes[3] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = 4 + 4 * ndims;
  if (bytes.length < head) fail('truncated header');
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  checkLimit(limits, 'maxArrayBytes', count * type.size, `${name}: shape [${shape}] of ${type.name} needs`);
  if (bytes.length - head < count * type.size) {
    fail(
      `truncated data: shape [${shape}] of ${type.name} needs ${count * type.size} bytes, file has ${bytes.length - head}`,
    );
  }
  const data = type.make(count);
  if (type.size === 1) data.set(bytes.subarray(head, head + count));
  else for (let i = 0; i < count; i++) data[i] = type.get(view, head + i * type.size);
  return { shape, data };
}

/**
 * Inflates gzip data in a stream, counting what comes out against `maxInflatedBytes`: the
 * trailer's size is only a claim, and a one-shot gunzip would allocate whatever it says.
 */
function gunzipBounded(bytes: Uint8Array, name: string, limits: InputLimits): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Gunzip((chunk) => {
    total += chunk.length;
    checkLimit(limits, 'maxInflatedBytes', total, `${name}: the gzip data inflates to more than`);
    chunks.push(chunk);
  });
  try {
    stream.push(bytes, true);
  } catch (err) {
    if (err instanceof InputLimitError) throw err;
    throw new Error(`${name}: corrupt gzip data: ${(err as Error).message}`, { cause: err });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Reads and parses an IDX file; errors name the path. */
export async function readIdx(path: string): Promise<IdxArray> {
  const bytes = await fs.readFile(path).catch((err: Error) => {
    throw new Error(`cannot read ${path}: ${err.message}`, { cause: err });
  });
  return parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** IDX bytes (uncompressed) for unsigned bytes; used by tests and demos. */
export function encodeIdxU8(shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const head = 4 + 4 * shape.length;
  const out = new Uint8Array(head + values.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d);
  });
  out.set(Uint8Array.from(values), head);
  return out;
}
