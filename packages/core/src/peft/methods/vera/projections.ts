import * as tf from '@tensorflow/tfjs';
import { fromTorchLayout, Module, Parameter } from '../../../nn/index.js';
import { Rng } from '../../../runtime/index.js';

/** One adapter's frozen random projections, shared by every layer it adapts. */
export interface VeraPair {
  /** Memory `[inMax, r]` (layout `linear`; file `vera_A [r, inMax]`). */
  A: Parameter;
  /** Memory `[r, outMax]` (layout `linear`; file `vera_B [outMax, r]`). */
  B: Parameter;
}

/**
 * Builds VeRA's shared projections as HF does, with peftkit's seeded generator: `vera_A [r, inMax]`
 * then `vera_B [outMax, r]`, each kaiming-uniform with gain sqrt(2) over its PyTorch fan-in,
 * i.e. U(±sqrt(6 / fanIn)). Same `key` gives the same matrices in peftkit on every platform; they
 * are NOT the matrices PyTorch's generator makes for that key, which is why `saveProjection`
 * (the default) writes them to the adapter file.
 */
export function makeVeraProjections(r: number, inMax: number, outMax: number, key: number): VeraPair {
  const rng = new Rng(key);
  const draw = (rows: number, cols: number): tf.Tensor2D => {
    const bound = Math.sqrt(6 / cols);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
    return tf.tensor2d(data, [rows, cols]);
  };
  const make = (rows: number, cols: number): Parameter => {
    const torch = draw(rows, cols);
    const mem = fromTorchLayout(torch, 'linear', [cols, rows]);
    torch.dispose();
    try {
      return new Parameter(mem, { kind: 'buffer', layout: 'linear' });
    } finally {
      mem.dispose();
    }
  };
  return { A: make(r, inMax), B: make(outMax, r) };
}

/**
 * A layer's view of the shared projections, keyed by adapter name like HF's `BufferDict`
 * (`query.vera_A.default`). It holds references, never copies: every layer of one adapter holds
 * the same two buffers, so they are stored once and count once.
 */
export class VeraProjectionRefs extends Module<[], never> {
  has(name: string): boolean {
    return this.namedOwnBuffers().some(([k]) => k === name);
  }
  get(name: string): Parameter {
    const e = this.namedOwnBuffers().find(([k]) => k === name);
    if (!e) throw new Error(`VeRA: projections of adapter '${name}' are not attached to this layer`);
    return e[1];
  }
  attach(name: string, p: Parameter): void {
    this.adoptParameter(name, p);
  }
  /** Drops the reference without disposing (other layers may still hold it). */
  detach(name: string): void {
    if (this.has(name)) this.unregisterParameter(name);
  }
  forward(): never {
    throw new Error('VeraProjectionRefs holds shared buffers and has no forward');
  }
}
