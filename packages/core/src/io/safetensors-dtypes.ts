import { decodeBF16, decodeF16, encodeBF16, encodeF16 } from './half-float.js';
import { SafetensorsError } from './safetensors-error.js';

/** Element size in bytes of every safetensors dtype peftkit reads. */
export const SAFETENSORS_ITEM_SIZE = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

/** A safetensors dtype peftkit can read. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_ITEM_SIZE;

/**
 * Valid in the safetensors spec but not readable here (8/6/4-bit floats, complex); listed so the
 * error says "unsupported" rather than "unknown" and users know to convert the file.
 */
export const UNSUPPORTED_SAFETENSORS_DTYPES = [
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
] as const;

/** The tfjs dtypes safetensors data decodes to (tfjs has no 16/64-bit or unsigned types). */
export type DecodedDtype = 'float32' | 'int32' | 'bool';

/** A decoded tensor payload: float32, int32, or bool stored as 0/1 bytes (tfjs' convention). */
export type DecodedData = Float32Array | Int32Array | Uint8Array;

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return Object.hasOwn(SAFETENSORS_ITEM_SIZE, s);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Bytes laid out so a native typed array can view them: the input itself when it is aligned and
 * the host is little-endian (zero copy), otherwise an aligned copy, byte-swapped on big-endian
 * hosts. Offsets in a file need not be multiples of the element size, and typed array views
 * require that, hence the copy.
 */
function nativeBytes(bytes: Uint8Array, itemSize: number): Uint8Array {
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % itemSize === 0) return bytes;
  const copy = bytes.slice();
  if (!LITTLE_ENDIAN_HOST) swapBytes(copy, itemSize);
  return copy;
}

function swapBytes(b: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < b.length; i += itemSize) b.subarray(i, i + itemSize).reverse();
}

/**
 * Decodes the little-endian payload of one tensor (`bytes` is exactly its data, `count`
 * elements). F32/I32 aligned data is returned as a view of `bytes` (it keeps the file buffer
 * alive); everything else is converted: F16/BF16/F64 -> float32, I64/U64/U32 -> int32 (throwing
 * if a value does not fit), I16/U16/I8/U8 -> int32, BOOL -> bool.
 */
export function decodeTensorData(
  dtype: SafetensorsDtype,
  bytes: Uint8Array,
  count: number,
  where: { source: string; tensor: string },
): { dtype: DecodedDtype; data: DecodedData } {
  const raw = nativeBytes(bytes, SAFETENSORS_ITEM_SIZE[dtype]);
  const { buffer, byteOffset } = raw;
  switch (dtype) {
    case 'F32':
      return { dtype: 'float32', data: new Float32Array(buffer, byteOffset, count) };
    case 'F64':
      // Narrowing: values beyond the float32 range become +-Infinity, as a cast would.
      return { dtype: 'float32', data: Float32Array.from(new Float64Array(buffer, byteOffset, count)) };
    case 'F16':
      return { dtype: 'float32', data: decodeF16(new Uint16Array(buffer, byteOffset, count)) };
    case 'BF16':
      return { dtype: 'float32', data: decodeBF16(new Uint16Array(buffer, byteOffset, count)) };
    case 'I32':
      return { dtype: 'int32', data: new Int32Array(buffer, byteOffset, count) };
    case 'I64':
      return { dtype: 'int32', data: narrowBig(new BigInt64Array(buffer, byteOffset, count), dtype, where) };
    case 'U64':
      return { dtype: 'int32', data: narrowBig(new BigUint64Array(buffer, byteOffset, count), dtype, where) };
    case 'U32':
      return { dtype: 'int32', data: narrowU32(new Uint32Array(buffer, byteOffset, count), where) };
    case 'I16':
      return { dtype: 'int32', data: Int32Array.from(new Int16Array(buffer, byteOffset, count)) };
    case 'U16':
      return { dtype: 'int32', data: Int32Array.from(new Uint16Array(buffer, byteOffset, count)) };
    case 'I8':
      return { dtype: 'int32', data: Int32Array.from(new Int8Array(buffer, byteOffset, count)) };
    case 'U8':
      return { dtype: 'int32', data: Int32Array.from(raw.subarray(0, count)) };
    case 'BOOL': {
      // tfjs bools are 0/1 bytes; normalise any other non-zero byte rather than keep it.
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = raw[i] ? 1 : 0;
      return { dtype: 'bool', data: out };
    }
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const BIG_INT32_MIN = BigInt(INT32_MIN);
const BIG_INT32_MAX = BigInt(INT32_MAX);

function narrowBig(
  src: BigInt64Array | BigUint64Array,
  dtype: 'I64' | 'U64',
  where: { source: string; tensor: string },
): Int32Array {
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (v < BIG_INT32_MIN || v > BIG_INT32_MAX) {
      throw new SafetensorsError(
        where.source,
        `${dtype} value ${v} at flat index ${i} does not fit in int32 (tfjs has no 64-bit integers)`,
        { tensor: where.tensor, field: 'dtype' },
      );
    }
    out[i] = Number(v);
  }
  return out;
}

function narrowU32(src: Uint32Array, where: { source: string; tensor: string }): Int32Array {
  for (let i = 0; i < src.length; i++) {
    if (src[i]! > INT32_MAX) {
      throw new SafetensorsError(
        where.source,
        `U32 value ${src[i]} at flat index ${i} does not fit in int32 (tfjs has no unsigned integers)`,
        { tensor: where.tensor, field: 'dtype' },
      );
    }
  }
  return Int32Array.from(src);
}

/** The file dtypes peftkit writes for float tensors: F32 by default, F16/BF16 for smaller files. */
export type SafetensorsFloatDtype = 'F32' | 'F16' | 'BF16';

/**
 * Encodes tfjs tensor data as little-endian safetensors bytes: float32 as `floatDtype`, int32 as
 * I32, bool as BOOL.
 */
export function encodeTensorData(
  data: Float32Array | Int32Array | Uint8Array,
  tfDtype: DecodedDtype,
  floatDtype: SafetensorsFloatDtype,
): { dtype: SafetensorsDtype; bytes: Uint8Array } {
  let dtype: SafetensorsDtype;
  let typed: Float32Array | Int32Array | Uint8Array | Uint16Array;
  if (tfDtype === 'float32') {
    const f = data as Float32Array;
    dtype = floatDtype;
    typed = floatDtype === 'F16' ? encodeF16(f) : floatDtype === 'BF16' ? encodeBF16(f) : f;
  } else if (tfDtype === 'int32') {
    dtype = 'I32';
    typed = data;
  } else {
    dtype = 'BOOL';
    typed = data;
  }
  let bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  if (!LITTLE_ENDIAN_HOST) {
    bytes = bytes.slice();
    swapBytes(bytes, SAFETENSORS_ITEM_SIZE[dtype]);
  }
  return { dtype, bytes };
}
