import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InputLimitError } from './input-limits.js';
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

describe('parseNpz bounds', () => {
  it('refuses an archive whose declared inflated size exceeds the limit, before inflating', () => {
    // 4 MB of zeros deflates to a few KB: a small file that would inflate far beyond its size.
    const zeros = encodeNpy('|u1', [4_000_000], new Array(4_000_000).fill(0));
    const npz = encodeNpz({ big: zeros });
    expect(npz.length).toBeLessThan(100_000);
    expect(() => parseNpz(npz, 'bomb.npz', undefined, { maxInflatedBytes: 1_000_000 })).toThrow(
      /bomb\.npz: big\.npy brings the declared inflated size to 3\.8 MiB, over limits\.maxInflatedBytes .*--set limits\.maxInflatedBytes=/,
    );
    expect(parseNpz(npz, 'ok.npz', undefined, { maxInflatedBytes: 8_000_000 }).get('big')?.shape).toEqual([
      4_000_000,
    ]);
  });

  it('refuses an archive with more members than limits.maxArchiveEntries, before inflating them', () => {
    const members: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) members[`a${i}`] = encodeNpy('|u1', [1], [i]);
    const npz = encodeNpz(members);
    const err = (() => {
      try {
        parseNpz(npz, 'many.npz', undefined, { maxArchiveEntries: 10 });
      } catch (e) {
        return e as InputLimitError;
      }
    })();
    expect(err).toBeInstanceOf(InputLimitError);
    expect(err?.limit).toBe('maxArchiveEntries');
    expect(err?.message).toMatch(
      /many\.npz: the archive holds at least 11, over limits\.maxArchiveEntries \(10\)/,
    );
    expect(parseNpz(npz, 'ok.npz', undefined, { maxArchiveEntries: 12 }).size).toBe(12);
  });

  it('checks what a member actually inflates to: a header that understates the size is corrupt', () => {
    // 10 MB of zeros whose local and central headers claim 128 bytes: fflate would stop at the
    // claimed size; the length/CRC check turns that into an error instead of silent truncation.
    const data = encodeNpy('|u1', [10_000_000], new Uint8Array(10_000_000));
    const npz = encodeNpz({ big: data });
    const view = new DataView(npz.buffer, npz.byteOffset, npz.byteLength);
    view.setUint32(22, 128, true);
    for (let i = 0; i < npz.length - 4; i++)
      if (view.getUint32(i, true) === 0x02014b50) view.setUint32(i + 24, 128, true);
    expect(() => parseNpz(npz, 'liar.npz')).toThrow(
      'liar.npz: big.npy does not inflate to its declared size and CRC (128 bytes): the archive is corrupt',
    );
  });

  it('refuses an .npy whose shape needs more than limits.maxArrayBytes, from the header alone', () => {
    // The header claims 2^40 float32 values over 16 data bytes: refused on the shape, not read.
    const bytes = encodeNpy('<f4', [4], [1, 2, 3, 4]);
    const text = new TextDecoder('latin1')
      .decode(bytes)
      .replace("'shape': (4,), ", "'shape': (1099511627776,),");
    expect(() => parseNpy(latin1(text), 'huge.npy')).toThrow(
      /huge\.npy: shape \(1099511627776\) of <f4 needs 4096\.0 GiB, over limits\.maxArrayBytes \(2\.0 GiB\)/,
    );
    expect(() => parseNpy(bytes, 'small.npy', { maxArrayBytes: 8 })).toThrow(
      /small\.npy: shape \(4\) of <f4 needs 16 bytes/,
    );
  });
});
