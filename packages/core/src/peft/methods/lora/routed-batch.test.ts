import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng, setSeed } from '../../../runtime/index.js';
import { getPeftModel, type PeftModel } from '../../peft-model.js';
import { maxAbsDiff, TinyBert, useCpuAndTmpDir } from '../../testing/index.js';
import '../../index.js';

useCpuAndTmpDir('lora-routed-batch');

const NAMES = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'] as const;

/** Every parameter of `name` (LoRA factors, head copy) set to seeded random values. */
function randomise(peft: PeftModel, name: string, seed: number): void {
  const rng = new Rng(seed);
  for (const p of peft.adapterStateDict(name).values()) {
    const v = new Float32Array(p.variable.size);
    for (let i = 0; i < v.length; i++) v[i] = rng.normal(0, 0.3);
    const t = tf.tensor(v, p.variable.shape);
    p.assign(t);
    t.dispose();
  }
}

/** Eight LoRA adapters of different ranks and alphas on query/value and the word embeddings, each with its own classifier copy. */
function eightAdapters(extra: Record<string, unknown> = {}): PeftModel {
  setSeed(3);
  const config = (i: number) => ({
    peftType: 'LORA' as const,
    r: [2, 4, 8][i % 3] as number,
    loraAlpha: 3 + i,
    targetModules: ['query', 'value', 'word_embeddings'],
    modulesToSave: ['classifier'],
    ...extra,
  });
  const peft = getPeftModel(new TinyBert(), config(0), { adapterName: NAMES[0] });
  for (const [i, n] of NAMES.entries()) {
    if (i > 0) peft.addAdapter(n, config(i));
    randomise(peft, n, 100 + i);
  }
  peft.eval();
  return peft;
}

/** `rows` token-id rows of length 4 (vocab 20). */
function batchOf(rows: number): tf.Tensor2D {
  return tf.tensor2d(
    Array.from({ length: rows }, (_, i) => [1, 2, 3, 4].map((j) => (i * 7 + j * 3) % 19)),
    [rows, 4],
    'int32',
  );
}

/** Each routed row against the same input run through its adapter alone (`setAdapter`, unrouted), or with adapters disabled for `__base__`. */
function expectRowsMatchAlone(peft: PeftModel, routing: readonly string[]): void {
  const x = batchOf(routing.length);
  const routed = tf.tidy(() => peft.callWithAdapterNames(routing, x) as tf.Tensor);
  for (const name of new Set(routing)) {
    const alone = tf.tidy(() => {
      if (name === '__base__') return peft.disableAdapter(() => peft.call(x) as tf.Tensor);
      peft.setAdapter(name);
      return peft.call(x) as tf.Tensor;
    });
    for (const [i, n] of routing.entries()) {
      if (n !== name) continue;
      const d = tf.tidy(() =>
        maxAbsDiff(tf.slice(routed, [i, 0], [1, -1]), tf.slice(alone, [i, 0], [1, -1])),
      );
      expect(d, `row ${i} (${name})`).toBeLessThan(1e-6);
    }
    alone.dispose();
  }
  tf.dispose([x, routed]);
}

async function kernelsOf(peft: PeftModel, routing: readonly string[]): Promise<number> {
  const x = batchOf(routing.length);
  const info = await tf.profile(() => {
    tf.tidy(() => peft.callWithAdapterNames(routing, x) as tf.Tensor).dispose();
  });
  x.dispose();
  return info.kernels.length;
}

describe('routed LoRA batches with many adapters', () => {
  it('8 adapters (ranks 2/4/8, own alphas), uneven groups and __base__ rows: every row equals its adapter alone', () => {
    const peft = eightAdapters();
    // Uneven: a0 has 6 rows, a7 one, a3 none; __base__ rows interleaved.
    const routing = [
      'a0',
      'a1',
      '__base__',
      'a0',
      'a2',
      'a0',
      'a4',
      'a5',
      'a0',
      'a6',
      '__base__',
      'a1',
      'a7',
      'a0',
      'a2',
      'a0',
      'a5',
    ];
    expectRowsMatchAlone(peft, routing);
    // One adapter for all rows, and all rows on __base__.
    expectRowsMatchAlone(peft, ['a3', 'a3', 'a3']);
    expectRowsMatchAlone(peft, ['__base__', '__base__']);
    peft.dispose();
  });

  it('the routed forward costs as many kernels for 8 adapters as for 2, and leaks no tensors', async () => {
    const peft = eightAdapters();
    const rows = 16;
    const two = Array.from({ length: rows }, (_, i) => NAMES[i % 2] as string);
    const eight = Array.from({ length: rows }, (_, i) => NAMES[i % 8] as string);
    const withBase = eight.map((n, i) => (i % 5 === 0 ? '__base__' : n));
    const k2 = await kernelsOf(peft, two);
    expect(await kernelsOf(peft, eight)).toBe(k2);
    expect(await kernelsOf(peft, withBase)).toBe(k2);
    const x = batchOf(rows);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => peft.callWithAdapterNames(withBase, x) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    peft.dispose();
  });

  it('adapters the stacked path cannot take (DoRA, a non-Linear modules_to_save) still route row by row exactly', () => {
    const peft = eightAdapters({
      useDora: true,
      modulesToSave: ['classifier', 'encoder.layer.1.output.LayerNorm'],
    });
    expectRowsMatchAlone(peft, ['a0', 'a5', '__base__', 'a2', 'a5', 'a7', 'a0']);
    peft.dispose();
  });

  it('a training step through a mixed batch reaches every routed adapter and no other', () => {
    const peft = eightAdapters();
    peft.train();
    peft.setAdapter(['a1', 'a2', 'a6']);
    const x = batchOf(6);
    const routing = ['a1', 'a2', 'a1', '__base__', 'a2', 'a1'];
    const params = ['a1', 'a2', 'a6'].map((n) => [...peft.adapterStateDict(n).values()]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(peft.callWithAdapterNames(routing, x) as tf.Tensor)) as tf.Scalar,
      params.flat().map((p) => p.variable),
    );
    const norm = (ps: (typeof params)[number]) =>
      ps.reduce(
        (s, p) =>
          s +
          (grads[p.variable.name]
            ? tf.tidy(() => tf.norm(grads[p.variable.name] as tf.Tensor).dataSync()[0] as number)
            : 0),
        0,
      );
    expect(norm(params[0] ?? [])).toBeGreaterThan(0);
    expect(norm(params[1] ?? [])).toBeGreaterThan(0);
    expect(norm(params[2] ?? [])).toBe(0);
    tf.dispose(Object.values(grads));
    x.dispose();
    peft.dispose();
  });
});

describe('routed batches of adapters whose heads differ', () => {
  const tmp = useCpuAndTmpDir('lora-routed-heads');

  /** A 5-class adapter saved from a TinyBert that shares the 3-class model's base (same seed, classifier built last). */
  async function fiveClassAdapter(): Promise<{ dir: string; reference: PeftModel }> {
    setSeed(3);
    const model = new TinyBert({ vocab: 20, d: 8, ffn: 16, layers: 2, classes: 5 });
    const reference = getPeftModel(
      model,
      { peftType: 'LORA', r: 4, targetModules: ['query', 'value'], modulesToSave: ['classifier'] },
      { adapterName: 'five' },
    );
    randomise(reference, 'five', 900);
    reference.eval();
    const dir = tmp('five');
    await reference.savePretrained(dir, { selectedAdapters: ['five'] });
    return { dir: `${dir}/five`, reference };
  }

  it('a 5-class head loads next to 3-class ones (copy built with the file shape) and routes with them', async () => {
    const peft = eightAdapters();
    const { dir, reference } = await fiveClassAdapter();
    await expect(peft.loadAdapter(dir, 'five')).rejects.toThrow(/shape mismatches[\s\S]*classifier\.weight/);
    expect(peft.adapterNames()).not.toContain('five');
    await peft.loadAdapter(dir, 'five', { headShapesFromFile: true });
    peft.eval();
    const routing = ['a1', 'five', '__base__', 'five', 'a4', 'a1', 'five'];
    const x = batchOf(routing.length);
    const routed = tf.tidy(() => peft.callWithAdapterNames(routing, x) as tf.Tensor);
    expect(routed.shape).toEqual([routing.length, 5]);
    const own = tf.tidy(() => reference.call(x) as tf.Tensor);
    peft.setAdapter('five');
    const alone = tf.tidy(() => peft.call(x) as tf.Tensor);
    expect(alone.shape).toEqual([routing.length, 5]);
    expect(maxAbsDiff(alone, own)).toBeLessThan(1e-6);
    const got = (await routed.array()) as number[][];
    const want = (await own.array()) as number[][];
    for (const [i, n] of routing.entries()) {
      if (n !== 'five') continue;
      for (let j = 0; j < 5; j++)
        expect(Math.abs((got[i]?.[j] ?? 0) - (want[i]?.[j] ?? 0))).toBeLessThan(1e-6);
    }
    // 3-class rows: their own outputs in the first three columns, zeros after.
    for (const name of ['a1', 'a4', '__base__']) {
      if (name !== '__base__') peft.setAdapter(name);
      const three = tf.tidy(() =>
        name === '__base__'
          ? (peft.disableAdapter(() => peft.call(x)) as tf.Tensor)
          : (peft.call(x) as tf.Tensor),
      );
      const w = (await three.array()) as number[][];
      for (const [i, n] of routing.entries()) {
        if (n !== name) continue;
        for (let j = 0; j < 3; j++)
          expect(Math.abs((got[i]?.[j] ?? 0) - (w[i]?.[j] ?? 0))).toBeLessThan(1e-6);
        expect([got[i]?.[3], got[i]?.[4]]).toEqual([0, 0]);
      }
      three.dispose();
    }
    tf.dispose([x, routed, own, alone]);
    reference.dispose();
    peft.dispose();
  });
});
