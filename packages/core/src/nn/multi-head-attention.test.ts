import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { type AttentionCallOptions, MultiHeadAttention } from './multi-head-attention.js';
import { isPrefixHost } from './prefix-hook.js';
import { expectClose, randomTensor, useCpu } from './testing/references.js';

beforeAll(useCpu);

const [B, T, E, H] = [2, 5, 8, 2];

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** Rows [t0, t1) of every batch element. */
function rows(y: tf.Tensor, t0: number, t1: number): tf.Tensor {
  return tf.slice(y, [0, t0, 0], [-1, t1 - t0, -1]);
}

/** Multi-head attention by definition in plain JS for one batch element. */
function reference(
  mha: MultiHeadAttention,
  x: number[][],
  keep: number[],
  names = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'out_proj' as string | null },
): number[][] {
  const proj = (name: string, inp: number[][]) => {
    const lin = mha.getSubmodule(name) as Linear;
    const w = lin.weight.value.arraySync() as number[][]; // [in, out]
    const b = (lin.bias?.value.arraySync() as number[]) ?? [];
    return inp.map(
      (row) =>
        w[0]?.map((_, o) => row.reduce((acc, v, i) => acc + v * (w[i]?.[o] as number), b[o] ?? 0)) ?? [],
    );
  };
  const q = proj(names.q, x);
  const k = proj(names.k, x);
  const v = proj(names.v, x);
  const d = E / H;
  const ctx = x.map(() => new Array<number>(E).fill(0));
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < x.length; i++) {
      const s = k.map((kj, j) => {
        let dot = 0;
        for (let c = h * d; c < (h + 1) * d; c++) dot += (q[i]?.[c] as number) * (kj[c] as number);
        return keep[j] ? dot / Math.sqrt(d) : Number.NEGATIVE_INFINITY;
      });
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = h * d; c < (h + 1) * d; c++) {
        (ctx[i] as number[])[c] = e.reduce((acc, ej, j) => acc + (ej / z) * (v[j]?.[c] as number), 0);
      }
    }
  }
  return names.o === null ? ctx : proj(names.o, ctx);
}

describe('MultiHeadAttention', () => {
  it('matches a plain-JS reference, with a padding mask', () => {
    setSeed(3);
    const mha = new MultiHeadAttention(E, H);
    // Biases are zero-initialised (PyTorch); give them values so they are exercised.
    for (const [, p] of mha.namedParameters()) if (p.shape.length === 1) p.assign(randomTensor(p.shape, 77));
    const x = randomTensor([B, T, E], 1);
    const keepRows = [
      [1, 1, 1, 1, 1],
      [1, 1, 0, 1, 0],
    ];
    const mask = tf.tensor2d(keepRows, [B, T], 'int32');
    const y = mha.call(x, { attentionMask: mask });
    const xs = x.arraySync() as number[][][];
    const expected = xs.flatMap((xb, b) => reference(mha, xb, keepRows[b] as number[]).flat());
    expectClose(y.dataSync(), expected, 1e-4);
    tf.dispose([x, mask, y]);
    mha.dispose();
  });

  it('causal: the output at t does not change when inputs after t change', () => {
    const mha = new MultiHeadAttention(E, H);
    const x = randomTensor([B, T, E], 2);
    const noise = tf.concat([tf.zeros([B, 3, E]), randomTensor([B, T - 3, E], 9)], 1);
    const x2 = tf.add(x, noise); // positions 3.. differ
    const y = mha.call(x, { causal: true });
    const y2 = mha.call(x2, { causal: true });
    expect(maxDiff(rows(y, 0, 3), rows(y2, 0, 3))).toBeLessThan(1e-6);
    expect(maxDiff(rows(y, 3, T), rows(y2, 3, T))).toBeGreaterThan(1e-3);
    // Without the mask the early positions do see the change.
    expect(maxDiff(rows(mha.call(x), 0, 3), rows(mha.call(x2), 0, 3))).toBeGreaterThan(1e-3);
    mha.dispose();
  });

  it('padding mask: masked keys do not affect any output; rank-4 additive mask is equivalent', () => {
    const mha = new MultiHeadAttention(E, H);
    const x = randomTensor([B, T, E], 3);
    const keep = tf.tensor2d(
      [
        [1, 1, 1, 0, 0],
        [1, 0, 1, 1, 1],
      ],
      [B, T],
    );
    // Change only the masked positions.
    const change = tf.mul(randomTensor([B, T, E], 4), tf.expandDims(tf.sub(1, keep), -1));
    const y = mha.call(x, { attentionMask: keep });
    // Change the keys/values only (changing the query too would change the masked rows' outputs).
    const y3 = mha.call(x, { key: tf.add(x, change), attentionMask: keep });
    expect(maxDiff(y, y3)).toBeLessThan(1e-6);
    expect(maxDiff(y, mha.call(x, { key: tf.add(x, change) }))).toBeGreaterThan(1e-3);
    const kept = tf.reshape(keep, [B, 1, 1, T]);
    const additive = tf.mul(tf.sub(1, kept), -1e9);
    expect(maxDiff(y, mha.call(x, { attentionMask: additive }))).toBeLessThan(1e-6);
    tf.dispose([x, keep, change, y, y3, kept, additive]);
    mha.dispose();
  });

  describe('prefix provider', () => {
    const P = 3;
    function withPrefix(mha: MultiHeadAttention, seen: number[]) {
      const pk = randomTensor([1, P, E], 21);
      const pv = randomTensor([1, P, E], 22);
      mha.setPrefixProvider((batch) => {
        seen.push(batch);
        return { key: tf.tile(pk, [batch, 1, 1]), value: tf.tile(pv, [batch, 1, 1]) };
      });
      return [pk, pv];
    }

    it('changes the output, and equals the no-prefix output when the prefix is masked out', () => {
      const mha = new MultiHeadAttention(E, H);
      const x = randomTensor([B, T, E], 5);
      const plain = mha.call(x);
      const seen: number[] = [];
      const held = withPrefix(mha, seen);
      const prefixed = mha.call(x);
      expect(seen).toEqual([B]);
      expect(maxDiff(plain, prefixed)).toBeGreaterThan(1e-3);
      // Additive mask over P + T keys with the prefix positions forbidden.
      const m = new Float32Array(P + T);
      m.fill(-1e9, 0, P);
      const masked = mha.call(x, { attentionMask: tf.tensor4d(m, [1, 1, 1, P + T]) });
      expect(maxDiff(plain, masked)).toBeLessThan(1e-6);
      // A [B, T] padding mask is extended with ones: every query still sees the prefix.
      const padded = mha.call(x, { attentionMask: tf.ones([B, T]) });
      expect(maxDiff(prefixed, padded)).toBeLessThan(1e-6);
      mha.setPrefixProvider(undefined);
      expect(maxDiff(plain, mha.call(x))).toBe(0);
      tf.dispose([x, plain, prefixed, masked, padded, ...held]);
      mha.dispose();
    });

    it('causal masking still allows every prefix position and hides the future', () => {
      const mha = new MultiHeadAttention(E, H);
      const x = randomTensor([B, T, E], 6);
      const plain = mha.call(x, { causal: true });
      const held = withPrefix(mha, []);
      const y = mha.call(x, { causal: true });
      // Position 0 sees only itself without a prefix; with one it must see the prefix too.
      expect(maxDiff(rows(plain, 0, 1), rows(y, 0, 1))).toBeGreaterThan(1e-3);
      const x2 = tf.concat([rows(x, 0, 2), randomTensor([B, T - 2, E], 8)], 1);
      const y2 = mha.call(x2, { causal: true });
      expect(maxDiff(rows(y, 0, 2), rows(y2, 0, 2))).toBeLessThan(1e-6);
      tf.dispose([x, plain, y, x2, y2, ...held]);
      mha.dispose();
    });

    it('rejects prefixes of the wrong shape, naming the expected shape', () => {
      const mha = new MultiHeadAttention(E, H);
      mha.setPrefixProvider((b) => ({ key: tf.zeros([b, 2, E + 1]), value: tf.zeros([b, 2, E]) }));
      expect(() => mha.call(tf.zeros([B, T, E]))).toThrow(/prefix key must be \[2, P, 8\], got \[2,2,9\]/);
      mha.dispose();
    });
  });

  it('cross-attention with kvDim and a different key length', () => {
    const mha = new MultiHeadAttention(E, H, { kvDim: 6 });
    expect(mha.getSubmodule('k_proj')).toHaveProperty('inFeatures', 6);
    const q = randomTensor([B, 3, E], 1);
    const kv = randomTensor([B, 7, 6], 2);
    const opts: AttentionCallOptions = { key: kv };
    expect(mha.call(q, opts).shape).toEqual([B, 3, E]);
    expect(() => mha.call(q, { key: kv, causal: true })).toThrow(
      /causal attention needs Tq = Tk, got 3 and 7/,
    );
    expect(() => mha.call(q, { key: kv, attentionMask: tf.ones([B, 3]) })).toThrow(
      /padding mask must be \[B, Tk\] = \[2, 7\]/,
    );
    expect(() => new MultiHeadAttention(10, 3)).toThrow(/divisible by numHeads/);
    mha.dispose();
  });

  it('applies seeded dropout to attention probabilities in training only', () => {
    const mha = new MultiHeadAttention(E, H, { dropout: 0.5 });
    const x = randomTensor([B, T, E], 12);
    setSeed(1);
    const a = mha.call(x);
    const b = mha.call(x);
    setSeed(1);
    const a2 = mha.call(x);
    expect(maxDiff(a, b)).toBeGreaterThan(1e-3);
    expect(maxDiff(a, a2)).toBe(0);
    mha.eval();
    expect(maxDiff(mha.call(x), mha.call(x))).toBe(0);
    tf.dispose([x, a, b, a2]);
    mha.dispose();
  });

  it('initialises q/k/v with xavier-uniform bounds and zero biases', () => {
    const mha = new MultiHeadAttention(16, 4);
    const bound = Math.sqrt(6 / 32);
    for (const name of ['q_proj', 'k_proj', 'v_proj']) {
      const w = (mha.getSubmodule(name) as Linear).weight.value.dataSync();
      const max = Math.max(...Array.from(w, Math.abs));
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.25); // Linear's own init would stay below 1/sqrt(16) = 0.25
    }
    for (const [path, p] of mha.namedParameters()) {
      if (path.endsWith('bias')) expect(Array.from(p.value.dataSync()).every((v) => v === 0)).toBe(true);
    }
    mha.dispose();
  });

  describe('family layouts (names, biases, dropout child, init)', () => {
    it("BERT's attention.self: query/key/value, no output projection, a 'dropout' child; matches the definition", () => {
      setSeed(5);
      const mha = new MultiHeadAttention(E, H, {
        names: { query: 'query', key: 'key', value: 'value', output: null },
        dropout: 0.1,
        dropoutModule: 'dropout',
        init: 'linear',
      });
      expect(mha.namedChildren().map(([n]) => n)).toEqual(['query', 'key', 'value', 'dropout']);
      expect(mha.getSubmodule('dropout')).toBeInstanceOf(Dropout);
      expect((mha.getSubmodule('dropout') as Dropout).p).toBe(0.1);
      expect(mha.outProj).toBeUndefined();
      mha.eval();
      const x = randomTensor([B, T, E], 31);
      const keep = [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ];
      const y = mha.call(x, { attentionMask: tf.tensor2d(keep, [B, T]) });
      const names = { q: 'query', k: 'key', v: 'value', o: null };
      const xs = x.arraySync() as number[][][];
      expectClose(
        y.dataSync(),
        xs.flatMap((xb, b) => reference(mha, xb, keep[b] as number[], names).flat()),
        1e-4,
      );
      mha.dispose();
    });

    it("DistilBERT's q_lin/k_lin/v_lin/out_lin and Whisper's k_proj without bias", () => {
      const d = new MultiHeadAttention(E, H, {
        names: { query: 'q_lin', key: 'k_lin', value: 'v_lin', output: 'out_lin' },
      });
      expect([...d.stateDict().keys()]).toEqual([
        'q_lin.weight',
        'q_lin.bias',
        'k_lin.weight',
        'k_lin.bias',
        'v_lin.weight',
        'v_lin.bias',
        'out_lin.weight',
        'out_lin.bias',
      ]);
      const w = new MultiHeadAttention(E, H, { bias: { key: false } });
      expect([...w.stateDict().keys()].filter((k) => k.endsWith('bias'))).toEqual([
        'q_proj.bias',
        'v_proj.bias',
        'out_proj.bias',
      ]);
      const none = new MultiHeadAttention(E, H, { bias: false });
      expect([...none.stateDict().keys()].some((k) => k.endsWith('bias'))).toBe(false);
      for (const m of [d, w, none]) m.dispose();
    });

    it("init 'linear' draws exactly what four Linears draw (HF models re-initialise after); 'torch' draws more", () => {
      setSeed(8);
      const mha = new MultiHeadAttention(E, H, { init: 'linear' });
      const after = new Linear(2, 2).weight.value.dataSync();
      setSeed(8);
      const plain = [new Linear(E, E), new Linear(E, E), new Linear(E, E), new Linear(E, E)];
      const afterPlain = new Linear(2, 2).weight.value.dataSync();
      expect(Array.from(after)).toEqual(Array.from(afterPlain));
      expect(Array.from((mha.getSubmodule('q_proj') as Linear).weight.value.dataSync())).toEqual(
        Array.from((plain[0] as Linear).weight.value.dataSync()),
      );
      setSeed(8);
      new MultiHeadAttention(E, H);
      expect(Array.from(new Linear(2, 2).weight.value.dataSync())).not.toEqual(Array.from(after));
    });

    it('a custom scale multiplies the queries; the dropout child drops in training only', () => {
      setSeed(2);
      const a = new MultiHeadAttention(E, H, { scale: 0.25, names: { output: null } });
      const x = randomTensor([1, T, E], 41);
      const q = (a.getSubmodule('q_proj') as Linear).call(x);
      const k = (a.getSubmodule('k_proj') as Linear).call(x);
      const v = (a.getSubmodule('v_proj') as Linear).call(x);
      setSeed(2);
      const b = new MultiHeadAttention(E, H, { names: { output: null } }); // same weights, scale 0.5
      const viaB = b.call(x);
      expect(maxDiff(a.call(x), viaB)).toBeGreaterThan(1e-4);
      const ref = tf.tidy(() => {
        const h = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [1, T, H, E / H]), [0, 2, 1, 3]);
        const p = tf.softmax(tf.mul(tf.matMul(h(q), h(k), false, true), 0.25), -1);
        return tf.reshape(tf.transpose(tf.matMul(p, h(v)), [0, 2, 1, 3]), [1, T, E]);
      });
      expect(maxDiff(a.call(x), ref)).toBeLessThan(1e-5);
      const drop = new MultiHeadAttention(E, H, { dropout: 0.5, dropoutModule: 'dropout' });
      drop.train();
      setSeed(3);
      const t1 = drop.call(x);
      setSeed(4);
      expect(maxDiff(t1, drop.call(x))).toBeGreaterThan(1e-4);
      drop.eval();
      expect(maxDiff(drop.call(x), drop.call(x))).toBe(0);
      for (const m of [a, b, drop]) m.dispose();
    });

    it('is a prefix host whose errors name the subclass', () => {
      class MyFamilyAttention extends MultiHeadAttention {}
      const m = new MyFamilyAttention(E, H, { names: { output: null } });
      expect(isPrefixHost(m)).toBe(true);
      m.setPrefixProvider((b) => ({ key: tf.zeros([b, 2, E]), value: tf.zeros([b, 3, E]) }));
      expect(() => m.call(tf.zeros([B, T, E]))).toThrow(
        /MyFamilyAttention\.forward: prefix key .* differ in length/,
      );
      expect(() => new MyFamilyAttention(10, 3)).toThrow(
        /^MyFamilyAttention: embedDim \(10\) must be divisible/,
      );
      m.dispose();
    });
  });
});
