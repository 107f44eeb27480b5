/**
 * IEEE 754 binary16 (F16) and bfloat16 (BF16) <-> float32 conversions on raw bit patterns.
 * tfjs has no 16-bit float dtype, so half-precision safetensors are widened to float32 on read and
 * optionally narrowed on write (adapters are often shipped in F16/BF16 to halve their size).
 */

let f16Table: Float32Array | undefined;

/**
 * All 65536 half values as float32. Built once (256 KiB) so decoding is one lookup per element,
 * which is simpler and faster than bit-twiddling each value.
 */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToFloat(h);
  f16Table = table;
  return table;
}

/** Decodes one binary16 bit pattern. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Decodes binary16 values (native-endian `Uint16Array`) to float32. */
export function decodeF16(src: Uint16Array): Float32Array {
  const table = halfTable();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return out;
}

/** Decodes bfloat16 values: a bfloat16 is exactly the top 16 bits of a float32. */
export function decodeBF16(src: Uint16Array): Float32Array {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return new Float32Array(bits.buffer);
}

/**
 * float32 bits -> binary16 bits, rounding to nearest, ties to even. Values beyond the half range
 * become +-Infinity, values below half the smallest subnormal become +-0, NaN stays NaN.
 */
export function floatBitsToHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit leading 1) into the 10-bit field.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const halfway = 1 << (shift - 1);
    const rem = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rem > halfway || (rem === halfway && r & 1)) r++;
    return sign | r; // r may reach 0x400: the smallest normal, which is the correct rounding
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent; from the top binade that yields 0x7c00 = Inf.
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

/** float32 bits -> bfloat16 bits, rounding to nearest, ties to even; NaN is kept (quieted). */
export function floatBitsToBFloat16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounding = 0x7fff + ((x >>> 16) & 1);
  return ((x + rounding) >>> 16) & 0xffff;
}

/** Encodes float32 values to binary16 bit patterns. */
export function encodeF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatBitsToHalfBits(bits[i]!);
  return out;
}

/** Encodes float32 values to bfloat16 bit patterns. */
export function encodeBF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatBitsToBFloat16Bits(bits[i]!);
  return out;
}
