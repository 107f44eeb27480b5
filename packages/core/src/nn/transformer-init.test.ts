import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Sequential } from './sequential.js';
import { useCpu } from './testing/references.js';
import { initTransformerWeights } from './transformer-init.js';

beforeAll(useCpu);

function build() {
  const emb = new Embedding(50, 40, { paddingIdx: 3 });
  const lin = new Linear(40, 60);
  const ln = new LayerNorm(60);
  ln.weight?.assign(tf.fill([60], 5));
  return { emb, lin, ln, root: new Sequential(emb, lin, ln) };
}

describe('initTransformerWeights', () => {
  it("HF's _init_weights: N(0, std) weights, zero biases and padding row, LayerNorm 1/0; seeded", () => {
    setSeed(4);
    const a = build();
    initTransformerWeights(a.root, 0.02);
    const w = Array.from(a.lin.weight.value.dataSync());
    const sd = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(sd).toBeGreaterThan(0.018);
    expect(sd).toBeLessThan(0.022);
    expect(Array.from(a.lin.bias?.value.dataSync() ?? []).every((v) => v === 0)).toBe(true);
    const table = a.emb.weight.value.arraySync() as number[][];
    expect((table[3] as number[]).every((v) => v === 0)).toBe(true);
    expect((table[4] as number[]).some((v) => v !== 0)).toBe(true);
    expect(Array.from(a.ln.weight?.value.dataSync() ?? []).every((v) => v === 1)).toBe(true);
    setSeed(4);
    const b = build();
    initTransformerWeights(b.root, 0.02);
    expect(Array.from(b.lin.weight.value.dataSync())).toEqual(w);
    a.root.dispose();
    b.root.dispose();
  });
});
