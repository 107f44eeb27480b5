import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, parseSafetensors, readSafetensorsHeader, toTensors } from './safetensors.js';
import { saveSafetensors, serializeSafetensors } from './safetensors-writer.js';

/** A safetensors file from a header object and a data buffer, built byte by byte. */
function buildFile(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of `values`, each written by `set` at `i * size`. */
function le<T>(size: number, values: readonly T[], set: (v: DataView, at: number, x: T) => void): Uint8Array {
  const b = new Uint8Array(size * values.length);
  const view = new DataView(b.buffer);
  for (const [i, x] of values.entries()) set(view, i * size, x);
  return b;
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-st-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('serialize / parse round trip', () => {
  it('is bit-exact for float32 (incl. -0, subnormals, NaN payload), int32, bool and metadata', () => {
    const specials = new Uint32Array([
      0x80000000, 0x00000001, 0x7f7fffff, 0x7fc01234, 0x3dcccccd, 0xff800000,
    ]);
    const f = tf.tensor(new Float32Array(specials.buffer), [2, 3]);
    const i = tf.tensor([-(2 ** 31), 2 ** 31 - 1, 0, 7], [4], 'int32');
    const b = tf.tensor([true, false, true], [3], 'bool');
    const s = tf.scalar(3.25);
    const tensors = new Map([
      ['layer.weight', f],
      ['ids', i],
      ['mask', b],
      ['scale', s],
    ]);
    const bytes = serializeSafetensors(tensors, { format: 'pt', note: 'ünïcode' });
    const parsed = parseSafetensors(bytes, 'rt.safetensors');

    expect(parsed.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    const w = parsed.tensors.get('layer.weight')!;
    expect(w).toMatchObject({ fileDtype: 'F32', dtype: 'float32', shape: [2, 3] });
    expect([...new Uint32Array(w.data.buffer, w.data.byteOffset, 6)]).toEqual([...specials]);
    expect(parsed.tensors.get('ids')).toMatchObject({ fileDtype: 'I32', dtype: 'int32', shape: [4] });
    expect([...parsed.tensors.get('ids')!.data]).toEqual([-(2 ** 31), 2 ** 31 - 1, 0, 7]);
    expect(parsed.tensors.get('mask')).toMatchObject({ fileDtype: 'BOOL', dtype: 'bool' });
    expect([...parsed.tensors.get('mask')!.data]).toEqual([1, 0, 1]);
    expect(parsed.tensors.get('scale')!.shape).toEqual([]);

    // Through tfjs tensors and back: byte-identical file.
    const again = toTensors(parsed);
    expect(serializeSafetensors(again, parsed.metadata)).toEqual(bytes);
    for (const t of [...tensors.values(), ...again.values()]) t.dispose();
  });

  it('pads the header with spaces to 8 bytes, sorts keys and keeps data aligned', () => {
    const tensors = {
      z: tf.tensor([1, 2], [2], 'bool'),
      a: tf.tensor([1, 2, 3], [3], 'float32'),
    };
    const bytes = serializeSafetensors(tensors, {}, { dtype: 'F16' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(
      '{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"z":{"dtype":"BOOL","shape":[2],"data_offsets":[6,8]}}',
    );
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.get('a')!.data]).toEqual([1, 2, 3]);
    for (const t of Object.values(tensors)) t.dispose();
  });

  it('writes F16 / BF16 on request, rounding as documented', () => {
    const t = tf.tensor([0.1, 1.5, -2, 70000]);
    const f16 = parseSafetensors(serializeSafetensors({ t }, {}, { dtype: 'F16' })).tensors.get('t')!;
    expect(f16.fileDtype).toBe('F16');
    expect([...f16.data]).toEqual([0.0999755859375, 1.5, -2, Infinity]);
    const bf16 = parseSafetensors(serializeSafetensors({ t }, {}, { dtype: 'BF16' })).tensors.get('t')!;
    expect(bf16.fileDtype).toBe('BF16');
    expect([...bf16.data]).toEqual([0.10009765625, 1.5, -2, 70144]);
    t.dispose();
  });

  it('saveSafetensors / loadSafetensors / readSafetensorsHeader through a file', async () => {
    const file = path.join(dir, 'model.safetensors');
    const w = tf.tensor([
      [1, 2],
      [3, 4],
    ]);
    await saveSafetensors(file, { w }, { format: 'pt' });
    const header = await readSafetensorsHeader(file);
    expect(header.entries).toEqual([{ name: 'w', dtype: 'F32', shape: [2, 2], begin: 0, end: 16 }]);
    expect(header.metadata).toEqual({ format: 'pt' });
    const before = tf.memory().numTensors;
    const { tensors, metadata } = await loadSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('w')!.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tf.memory().numTensors).toBe(before + 1);
    tensors.get('w')!.dispose();
    w.dispose();
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]); // no temp files
  });

  it('a failing serialization keeps the old file and leaves no temp file', async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'fail-'));
    const file = path.join(sub, 'a.safetensors');
    const ok = tf.tensor([1, 2]);
    await saveSafetensors(file, { ok });
    const before = await fs.readFile(file);
    const gone = tf.tensor([3]);
    gone.dispose();
    await expect(saveSafetensors(file, { ok, gone })).rejects.toThrow(/disposed/);
    expect(await fs.readFile(file)).toEqual(before);
    expect(await fs.readdir(sub)).toEqual(['a.safetensors']);
    ok.dispose();
  });

  it('rejects tensors it cannot write, naming them', () => {
    const c = tf.complex([1], [2]);
    expect(() => serializeSafetensors({ 'bad.one': c })).toThrow(/tensor 'bad.one' has dtype complex64/);
    c.dispose();
  });
});

describe('decoding hand-built files', () => {
  it('F16 -> float32', () => {
    const data = le(2, [0x3e00, 0xc000, 0x7bff, 0x0001], (v, at, h) => v.setUint16(at, h, true));
    const file = buildFile({ h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] } }, data);
    const e = parseSafetensors(file).tensors.get('h')!;
    expect(e).toMatchObject({ fileDtype: 'F16', dtype: 'float32', shape: [2, 2] });
    expect([...e.data]).toEqual([1.5, -2, 65504, 2 ** -24]);
  });

  it('BF16 -> float32, with 0.1 rounded to bfloat16 in the test', () => {
    const f32 = new Float32Array([0.1, -2, 3.5]);
    const bits = new Uint32Array(f32.buffer);
    // Round to nearest even on the dropped 16 bits, computed independently of the decoder.
    const bf = [...bits].map((x) => {
      const lower = x & 0xffff;
      let upper = x >>> 16;
      if (lower > 0x8000 || (lower === 0x8000 && upper & 1)) upper++;
      return upper;
    });
    expect(bf[0]).toBe(0x3dcd);
    const data = le(2, bf, (v, at, h) => v.setUint16(at, h, true));
    const e = parseSafetensors(
      buildFile({ b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, data),
    ).tensors.get('b')!;
    const expected0 = new Float32Array(new Uint32Array([0x3dcd << 16]).buffer)[0];
    expect([...e.data]).toEqual([expected0, -2, 3.5]);
    expect(expected0).toBe(0.10009765625);
  });

  it('F64 -> float32', () => {
    const data = le(8, [0.5, -3.25, 1e300], (v, at, x) => v.setFloat64(at, x, true));
    const e = parseSafetensors(
      buildFile({ d: { dtype: 'F64', shape: [3], data_offsets: [0, 24] } }, data),
    ).tensors.get('d')!;
    expect([...e.data]).toEqual([0.5, -3.25, Infinity]);
    expect(e.dtype).toBe('float32');
  });

  it('I64 -> int32, and a value outside int32 names the file and tensor', () => {
    const vals = [-5n, 2n ** 31n - 1n, -(2n ** 31n)];
    const data = le(8, vals, (v, at, x) => v.setBigInt64(at, x, true));
    const e = parseSafetensors(
      buildFile({ pos: { dtype: 'I64', shape: [3], data_offsets: [0, 24] } }, data),
    ).tensors.get('pos')!;
    expect(e.dtype).toBe('int32');
    expect([...e.data]).toEqual([-5, 2 ** 31 - 1, -(2 ** 31)]);

    const big = le(8, [0n, 2n ** 31n], (v, at, x) => v.setBigInt64(at, x, true));
    const file = buildFile({ position_ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, big);
    expect(() => parseSafetensors(file, 'ids.safetensors')).toThrow(
      /ids\.safetensors.*tensor 'position_ids'.*I64 value 2147483648 at flat index 1 does not fit in int32/,
    );
  });

  it('small integer types and BOOL', () => {
    const header = {
      i8: { dtype: 'I8', shape: [2], data_offsets: [0, 2] },
      u8: { dtype: 'U8', shape: [2], data_offsets: [2, 4] },
      i16: { dtype: 'I16', shape: [1], data_offsets: [4, 6] },
      bl: { dtype: 'BOOL', shape: [3], data_offsets: [6, 9] },
    };
    const data = new Uint8Array([0xff, 0x7f, 0xff, 0x00, 0x00, 0x80, 0, 1, 7]);
    const t = parseSafetensors(buildFile(header, data)).tensors;
    expect([...t.get('i8')!.data]).toEqual([-1, 127]);
    expect([...t.get('u8')!.data]).toEqual([255, 0]);
    expect([...t.get('i16')!.data]).toEqual([-32768]);
    expect(t.get('bl')!.dtype).toBe('bool');
    expect([...t.get('bl')!.data]).toEqual([0, 1, 1]);
  });

  it('copies data whose offset is not a multiple of the element size', () => {
    const data = new Uint8Array(9);
    const view = new DataView(data.buffer);
    view.setUint8(0, 9);
    view.setFloat32(1, 1.25, true);
    view.setFloat32(5, -7, true);
    const file = buildFile(
      {
        a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
        f: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
      },
      data,
    );
    const f = parseSafetensors(file).tensors.get('f')!;
    expect([...f.data]).toEqual([1.25, -7]);
  });

  it('reads space-padded headers, zero-size tensors and the keys option', () => {
    const json =
      '{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}   ';
    const enc = new TextEncoder().encode(json);
    const file = new Uint8Array(8 + enc.length + 4);
    new DataView(file.buffer).setBigUint64(0, BigInt(enc.length), true);
    file.set(enc, 8);
    new DataView(file.buffer).setInt32(8 + enc.length, 42, true);
    const all = parseSafetensors(file);
    expect(all.tensors.get('e')!.shape).toEqual([0, 3]);
    expect([...all.tensors.get('x')!.data]).toEqual([42]);
    expect([...parseSafetensors(file, 'f', { keys: ['x'] }).tensors.keys()]).toEqual(['x']);
    expect(() => parseSafetensors(file, 'f.safetensors', { keys: ['nope'] })).toThrow(/f\.safetensors.*nope/);
  });
});
