/**
 * Gradient of BatchMatMul (`tf.matMul`) written with explicit transposes and plain matMuls.
 *
 * Why: the stock gradient calls matMul with transposeA/transposeB flags, which the wasm backend
 * runs at 1-2 GFLOP/s, against 10-30 GFLOP/s for a plain non-transposed 2-D matMul. A transpose is
 * a cheap copy in comparison. And for a batched operand times a shared 2-D one ([B,T,in] @ [in,out],
 * every Linear layer on a sequence) the stock gradient returns a [B,in,out] gradient for the
 * [in,out] weight, which tfjs rejects; here the batch is folded into rows ([B*T,in]) so the weight
 * gradient is one 2-D matMul that also does the sum over the batch.
 *
 * Registered globally (gradients are not per backend). On cpu the explicit form is as fast or
 * faster than the flags, on tfjs-node the extra transposes are cheap.
 *
 * When wasm matMul runs on the native GEMM, transpose flags cost nothing there (Gemm's transA and
 * transB, FusedMatMul's), so the gradient passes flags instead and no transpose is materialised.
 */

import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { nativeMatMulActive } from '../native/native-matmul.js';

/** Swaps the last two axes. */
function t(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

function batchSize(x: Tensor): number {
  return x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

/** Sums a broadcast gradient back down to `shape` (leading axes and axes that were 1). */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? tf.sum(g, axes, true) : g;
  return tf.reshape(summed, [...shape]);
}

type Which = 'a' | 'b';

/**
 * The four transpose cases, each with at most one transpose per gradient:
 *   C = A B:      dA = dy B^T        dB = A^T dy
 *   C = A B^T:    dA = dy B          dB = dy^T A
 *   C = A^T B:    dA = B dy^T        dB = A dy
 *   C = A^T B^T:  dA = (dy B)^T      dB = (A dy)^T
 * Works for rank 2 and for (broadcast) batches; the caller sums broadcast axes.
 */
function direct(which: Which, a: Tensor, b: Tensor, dy: Tensor, tA: boolean, tB: boolean): Tensor {
  if (which === 'a') {
    if (!tA) return tB ? tf.matMul(dy, b) : tf.matMul(dy, t(b));
    return tB ? t(tf.matMul(dy, b)) : tf.matMul(b, t(dy));
  }
  if (!tB) return tA ? tf.matMul(a, dy) : tf.matMul(t(a), dy);
  return tA ? t(tf.matMul(a, dy)) : tf.matMul(t(dy), a);
}

/**
 * `a` batched, `b` with batch size 1: fold a's batch into rows so each gradient is a single 2-D
 * matMul, and dB's sum over the batch comes out of the matMul itself.
 */
function folded(which: Which, a: Tensor, b: Tensor, dy: Tensor, tA: boolean, tB: boolean): Tensor {
  const aEff = tA ? t(a) : a; // [...batch, M, K]
  const m = aEff.shape[aEff.rank - 2] as number;
  const k = aEff.shape[aEff.rank - 1] as number;
  const n = dy.shape[dy.rank - 1] as number;
  const rows = batchSize(aEff) * m;
  const dy2 = tf.reshape(dy, [rows, n]);
  if (which === 'a') {
    const b2 = tf.reshape(b, b.shape.slice(-2)); // [K, N], or [N, K] when tB
    const daEff = tf.reshape(tB ? tf.matMul(dy2, b2) : tf.matMul(dy2, tf.transpose(b2)), aEff.shape);
    return tA ? t(daEff) : daEff;
  }
  const a2 = tf.reshape(aEff, [rows, k]);
  const db2 = tB ? tf.matMul(tf.transpose(dy2), a2) : tf.matMul(tf.transpose(a2), dy2);
  return tf.reshape(db2, b.shape);
}

/** The four cases again, with transpose flags for the native GEMM instead of transposes. */
function flagged(which: Which, a: Tensor, b: Tensor, dy: Tensor, tA: boolean, tB: boolean): Tensor {
  if (which === 'a') return tA ? tf.matMul(b, dy, tB, true) : tf.matMul(dy, b, false, !tB);
  return tB ? tf.matMul(dy, a, true, tA) : tf.matMul(a, dy, !tA, false);
}

/** `folded` with flags: a's batch (not transposed) folded into rows, dB summed by the product. */
function foldedFlagged(which: Which, a: Tensor, b: Tensor, dy: Tensor, tB: boolean): Tensor {
  const k = a.shape[a.rank - 1] as number;
  const n = dy.shape[dy.rank - 1] as number;
  const rows = batchSize(a) * (a.shape[a.rank - 2] as number);
  const dy2 = tf.reshape(dy, [rows, n]);
  if (which === 'a') {
    const b2 = tf.reshape(b, b.shape.slice(-2));
    return tf.reshape(tf.matMul(dy2, b2, false, !tB), a.shape);
  }
  const a2 = tf.reshape(a, [rows, k]);
  return tf.reshape(tB ? tf.matMul(dy2, a2, true, false) : tf.matMul(a2, dy2, true, false), b.shape);
}

function gradient(which: Which, a: Tensor, b: Tensor, dy: Tensor, attrs: NamedAttrMap): Tensor {
  const tA = attrs['transposeA'] === true;
  const tB = attrs['transposeB'] === true;
  if (nativeMatMulActive() && tf.getBackend() === 'wasm') {
    if (a.rank > 2 && batchSize(b) === 1 && !tA) return foldedFlagged(which, a, b, dy, tB);
    if (!(a.rank > 2 && batchSize(b) === 1)) {
      return sumTo(flagged(which, a, b, dy, tA, tB), which === 'a' ? a.shape : b.shape);
    }
  }
  if (a.rank > 2 && batchSize(b) === 1) return folded(which, a, b, dy, tA, tB);
  return sumTo(direct(which, a, b, dy, tA, tB), which === 'a' ? a.shape : b.shape);
}

/** BatchMatMul gradient with explicit transposes and broadcast-batch support. */
export const batchMatMulGradConfig: GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    if (a === undefined || b === undefined || Array.isArray(dy)) {
      throw new Error('BatchMatMul gradient: expected saved a, b and a single dy');
    }
    // Separate thunks: tfjs runs each in its own tidy and only for inputs that need a gradient
    // (often just the weight).
    return { a: () => gradient('a', a, b, dy, attrs), b: () => gradient('b', a, b, dy, attrs) };
  },
};
