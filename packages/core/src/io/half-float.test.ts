import { describe, expect, it } from 'vitest';
import {
  decodeBF16,
  decodeF16,
  encodeBF16,
  encodeF16,
  floatBitsToBFloat16Bits,
  floatBitsToHalfBits,
  halfBitsToFloat,
} from './half-float.js';

const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;

describe('binary16', () => {
  it('decodes known bit patterns', () => {
    const bits = new Uint16Array([0x3e00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x8000, 0x3c00]);
    const out = decodeF16(bits);
    expect([...out]).toEqual([1.5, -2, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity, -0, 1]);
    expect(Object.is(out[7], -0)).toBe(true);
    expect(Number.isNaN(halfBitsToFloat(0x7e00))).toBe(true);
  });

  it('every finite half survives decode -> encode unchanged', () => {
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaNs: payload need not survive
      const back = floatBitsToHalfBits(f32Bits(halfBitsToFloat(h)));
      if (back !== h) throw new Error(`half 0x${h.toString(16)} came back as 0x${back.toString(16)}`);
    }
  });

  it('rounds to nearest, ties to even, and overflows to infinity', () => {
    const enc = (x: number) => encodeF16(new Float32Array([x]))[0]!;
    expect(enc(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10: even mantissa wins
    expect(enc(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02: even wins
    expect(enc(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(enc(65519)).toBe(0x7bff);
    expect(enc(65520)).toBe(0x7c00);
    expect(enc(1e10)).toBe(0x7c00);
    expect(enc(-1e10)).toBe(0xfc00);
    expect(enc(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal: even (0)
    expect(enc(1.5 * 2 ** -25)).toBe(1);
    expect(enc(2 ** -26)).toBe(0);
    expect(enc(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(enc(Number.NaN) & 0x3ff).not.toBe(0);
  });
});

describe('bfloat16', () => {
  it('decodes as the top half of a float32', () => {
    expect([...decodeBF16(new Uint16Array([0x3fc0, 0xc000, 0x7f80]))]).toEqual([1.5, -2, Infinity]);
  });

  it('rounds 0.1 to nearest even and keeps NaN', () => {
    // 0.1f = 0x3dcccccd: the dropped half 0xcccd is above 0x8000, so the kept half rounds up.
    expect(floatBitsToBFloat16Bits(f32Bits(0.1))).toBe(0x3dcd);
    expect(floatBitsToBFloat16Bits(0x3f808000)).toBe(0x3f80); // tie, even stays
    expect(floatBitsToBFloat16Bits(0x3f818000)).toBe(0x3f82); // tie, odd rounds up
    const nan = encodeBF16(new Float32Array([Number.NaN]))[0]!;
    expect(Number.isNaN(decodeBF16(new Uint16Array([nan]))[0])).toBe(true);
  });
});
