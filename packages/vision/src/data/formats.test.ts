import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeIdxU8, parseIdx } from './idx.js';

describe('parseIdx', () => {
  it('reads IDX u8 images and labels, gzipped or not', () => {
    const raw = encodeIdxU8([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const a = parseIdx(raw);
    expect([a.shape, Array.from(a.data).slice(-2)]).toEqual([
      [2, 2, 3],
      [254, 255],
    ]);
    const b = parseIdx(gzipSync(raw));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('reads big-endian wider types and rejects bad files', () => {
    const bytes = new Uint8Array(4 + 4 + 8);
    const v = new DataView(bytes.buffer);
    bytes[2] = 0x0c; // i32
    bytes[3] = 1;
    v.setUint32(4, 2);
    v.setInt32(8, -5);
    v.setInt32(12, 70000);
    expect(Array.from(parseIdx(bytes).data)).toEqual([-5, 70000]);
    expect(() => parseIdx(bytes.subarray(0, 14), 'l.idx')).toThrow('l.idx: truncated data');
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'm.idx')).toThrow('m.idx: not an IDX file');
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 0, 0, 1]), 'z.gz')).toThrow('z.gz: corrupt gzip');
  });
});
