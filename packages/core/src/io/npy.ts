import { checkLimit, type InputLimitsInput, resolveInputLimits } from './input-limits.js';

/** A NumPy array read from `.npy` bytes: C-order values, flattened. */
export interface NpyArray {
  /** The NumPy type string, e.g. `|u1`, `<i8`, `<f4`. */
  readonly dtype: string;
  readonly shape: readonly number[];
  /**
   * The values. 64-bit integers are converted to numbers (exact up to 2^53, far beyond any
   * label or pixel value) so every dtype reads as one numeric array type.
   */
  readonly data:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Item size and typed-array reader for each supported dtype (without byte-order prefix). */
const DTYPES: Record<string, { size: number; read: (bytes: Uint8Array, n: number) => NpyArray['data'] }> = {
  u1: { size: 1, read: (b, n) => b.slice(0, n) },
  i1: { size: 1, read: (b, n) => new Int8Array(b.slice(0, n).buffer) },
  b1: { size: 1, read: (b, n) => b.slice(0, n) },
  u2: { size: 2, read: (b, n) => new Uint16Array(aligned(b, n * 2)) },
  i2: { size: 2, read: (b, n) => new Int16Array(aligned(b, n * 2)) },
  u4: { size: 4, read: (b, n) => new Uint32Array(aligned(b, n * 4)) },
  i4: { size: 4, read: (b, n) => new Int32Array(aligned(b, n * 4)) },
  f4: { size: 4, read: (b, n) => new Float32Array(aligned(b, n * 4)) },
  f8: { size: 8, read: (b, n) => new Float64Array(aligned(b, n * 8)) },
  i8: { size: 8, read: (b, n) => Float64Array.from(new BigInt64Array(aligned(b, n * 8)), Number) },
  u8: { size: 8, read: (b, n) => Float64Array.from(new BigUint64Array(aligned(b, n * 8)), Number) },
};

/** Copies the first `bytes` bytes into a fresh, aligned buffer (little-endian host assumed). */
function aligned(b: Uint8Array, bytes: number): ArrayBuffer {
  return b.slice(0, bytes).buffer;
}

/** The dtypes `parseNpy` reads. */
export const NPY_DTYPES = Object.freeze(Object.keys(DTYPES));

/**
 * Parses `.npy` bytes (format versions 1-3): the `\x93NUMPY` magic, the header dict
 * (`descr`, `fortran_order`, `shape`) and the data. Little-endian (or byte-order-free) numeric
 * dtypes only; Fortran-order arrays and big-endian data are refused with a message saying how
 * to re-save them; a shape needing more than `limits.maxArrayBytes` is refused from the header.
 * Errors are prefixed with `name`.
 *
 * @example
 * const { shape, data } = parseNpy(bytes, 'train_images.npy'); // shape [N, 28, 28], Uint8Array
 */
export function parseNpy(bytes: Uint8Array, name = '<npy>', limits?: InputLimitsInput): NpyArray {
  const fail = (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) fail('not a .npy file (bad magic)');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else return fail(`unsupported .npy format version ${major}`);
  if (offset + headerLen > bytes.length) fail('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(offset, offset + headerLen),
  );
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail(`malformed header: ${header.trim()}`);
  }
  if (fortran === 'True') {
    fail(
      'Fortran-order (column-major) arrays are not supported; re-save with np.save(f, np.ascontiguousarray(a))',
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) fail(`bad shape (${shapeText})`);
      return v;
    });
  const order = descr[0];
  const kind = descr.slice(1);
  if (order === '>' && !kind.endsWith('1')) {
    fail(`big-endian dtype '${descr}' is not supported; re-save with a.astype(a.dtype.newbyteorder('<'))`);
  }
  const spec = DTYPES[kind];
  if (!spec || (order !== '<' && order !== '|' && order !== '>' && order !== '=')) {
    return fail(`unsupported dtype '${descr}' (supported: ${NPY_DTYPES.join(', ')})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const need = count * spec.size;
  checkLimit(
    resolveInputLimits(limits),
    'maxArrayBytes',
    need,
    `${name}: shape (${shape.join(', ')}) of ${descr} needs`,
  );
  if (bytes.length - start < need) {
    fail(
      `truncated data: shape (${shape.join(', ')}) of ${descr} needs ${need} bytes, file has ${bytes.length - start}`,
    );
  }
  return { dtype: descr, shape, data: spec.read(bytes.subarray(start), count) };
}

/**
 * Writes `.npy` (version 1.0) bytes for a C-order array; used by tests and by demos that write
 * MedMNIST-format files.
 */
export function encodeNpy(
  dtype: '|u1' | '<i8' | '<f4' | '<u2',
  shape: readonly number[],
  values: ArrayLike<number>,
): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count)
    throw new Error(`encodeNpy: shape (${shape}) needs ${count} values, got ${values.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so magic + 4 + header + '\n' is a multiple of 64, as NumPy does.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1)}\n`;
  const data =
    dtype === '|u1'
      ? Uint8Array.from(values)
      : dtype === '<u2'
        ? new Uint8Array(Uint16Array.from(values).buffer)
        : dtype === '<f4'
          ? new Uint8Array(Float32Array.from(values).buffer)
          : new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v)))).buffer);
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, total);
  return out;
}
