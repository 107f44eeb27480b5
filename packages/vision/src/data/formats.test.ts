import { gzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeIdxU8, parseIdx } from './idx.js';
import { encodeNpy, parseNpy } from './npy.js';
import { encodeNpz, parseNpz } from './npz.js';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('parseNpy', () => {
  it('reads |u1, <i8 and <f4 arrays with their shapes (C order)', () => {
    const u1 = parseNpy(encodeNpy('|u1', [2, 3], [0, 1, 2, 253, 254, 255]));
    expect([u1.dtype, u1.shape, Array.from(u1.data)]).toEqual(['|u1', [2, 3], [0, 1, 2, 253, 254, 255]]);
    const i8 = parseNpy(encodeNpy('<i8', [3, 1], [0, 5, -2]));
    expect([i8.shape, Array.from(i8.data)]).toEqual([
      [3, 1],
      [0, 5, -2],
    ]);
    const f4 = parseNpy(encodeNpy('<f4', [2], [0.5, -1.25]));
    expect(Array.from(f4.data)).toEqual([0.5, -1.25]);
    expect(parseNpy(encodeNpy('<f4', [], [3])).shape).toEqual([]);
  });

  it('refuses Fortran order, big-endian and truncated data clearly', () => {
    const bytes = encodeNpy('<f4', [2, 2], [1, 2, 3, 4]);
    const text = new TextDecoder('latin1').decode(bytes);
    const fortran = latin1(text.replace("'fortran_order': False", "'fortran_order': True "));
    expect(() => parseNpy(fortran, 'a.npy')).toThrow('a.npy: Fortran-order');
    const big = latin1(text.replace("'<f4'", "'>f4'"));
    expect(() => parseNpy(big, 'b.npy')).toThrow("big-endian dtype '>f4'");
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 1), 'c.npy')).toThrow('c.npy: truncated data');
    expect(() => parseNpy(new Uint8Array(20), 'd.npy')).toThrow('d.npy: not a .npy file');
    const complex = latin1(text.replace("'<f4'", "'<c8'"));
    expect(() => parseNpy(complex)).toThrow("unsupported dtype '<c8'");
  });
});

describe('parseNpz', () => {
  it('reads every .npy member (deflated or stored) by name', () => {
    const npz = encodeNpz({
      train_images: encodeNpy('|u1', [1, 2, 2], [1, 2, 3, 4]),
      train_labels: encodeNpy('<i8', [1, 1], [7]),
    });
    const arrays = parseNpz(npz, 'x.npz');
    expect([...arrays.keys()].sort()).toEqual(['train_images', 'train_labels']);
    expect(Array.from(arrays.get('train_labels')!.data)).toEqual([7]);
    const stored = zipSync({ 'a.npy': encodeNpy('|u1', [1], [9]) }, { level: 0 });
    expect(Array.from(parseNpz(stored).get('a')!.data)).toEqual([9]);
  });

  it('names the archive when it is corrupt', () => {
    expect(() => parseNpz(new Uint8Array([1, 2, 3, 4]), 'bad.npz')).toThrow('bad.npz: not a valid .npz');
    const bad = zipSync({ 'x.npy': new Uint8Array([1, 2, 3]) });
    expect(() => parseNpz(bad, 'm.npz')).toThrow('m.npz:x.npy: not a .npy file');
  });
});

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
