import * as tf from '@tensorflow/tfjs';
import { leanGradients } from '../runtime/lean-gradients.js';
import { assertTrainable, type NamedParameter } from './param-groups.js';

/** Gradients keyed by parameter path, the currency between loss, clipping and optimizers. */
export type Gradients = Map<string, tf.Tensor>;

/**
 * Computes `f()` and the gradients of its scalar result with respect to the given (trainable)
 * parameters, keyed by path. Parameters that `f` does not touch get no entry, which optimizers
 * treat as "skip". The caller owns and must dispose `value` and every gradient.
 *
 * @example
 * ```ts
 * const named = model.namedParameters({ trainableOnly: true });
 * const { value, grads } = valueAndGrads(named, () => crossEntropy(model.call(x), y));
 * optimizer.step(grads);
 * value.dispose(); disposeGradients(grads);
 * ```
 */
export function valueAndGrads(
  named: readonly NamedParameter[],
  f: () => tf.Scalar,
): { value: tf.Scalar; grads: Gradients } {
  assertTrainable(named, 'valueAndGrads');
  // One entry per variable (a tied weight listed under two paths keeps the last path).
  const pathOf = new Map<tf.Variable, string>();
  for (const [path, p] of named) pathOf.set(p.variable, path);
  const variables = [...pathOf.keys()];
  // leanGradients frees each intermediate gradient and saved activation as soon as the backward
  // pass is done with it (tf.variableGrads keeps them all to the end): same numbers, less memory.
  const { value, grads } = leanGradients(f, variables);
  if (value.rank !== 0 || grads.every((g) => g === null)) {
    tf.dispose([value, ...grads.filter((g): g is tf.Tensor => g !== null)]);
    throw new Error(
      value.rank !== 0
        ? `valueAndGrads: f must return a scalar, got shape [${value.shape}]`
        : 'valueAndGrads: the loss does not depend on any of the given parameters',
    );
  }
  const out: Gradients = new Map();
  variables.forEach((v, i) => {
    const g = grads[i];
    if (g) out.set(pathOf.get(v) as string, g);
  });
  return { value: value as tf.Scalar, grads: out };
}

/** Disposes every tensor of a gradient map and empties it. */
export function disposeGradients(grads: Map<string, tf.Tensor>): void {
  for (const g of grads.values()) g.dispose();
  grads.clear();
}

/**
 * The global L2 norm over all gradients, `sqrt(sum_i ||g_i||^2)`, as a host number (one sync).
 * Non-finite gradients give a non-finite norm.
 */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): number {
  if (grads.size === 0) return 0;
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))));
  const value = norm.dataSync()[0]!;
  norm.dispose();
  return value;
}

/**
 * Rescales gradients so their global L2 norm is at most `maxNorm`, with torch's
 * `clip_grad_norm_` formula: `scale = min(1, maxNorm / (totalNorm + 1e-6))`. Returns new tensors
 * (the caller disposes both the input and the output maps) and the norm before clipping, which is
 * what training logs report. A non-finite norm yields NaN/zero gradients, as in torch: check
 * {@link hasNonFinite} first and skip the step.
 *
 * @example
 * ```ts
 * const { grads: clipped, totalNorm } = clipGradNorm(grads, 1.0);
 * ```
 */
export function clipGradNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number,
): { grads: Gradients; totalNorm: number } {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const totalNorm = globalNorm(grads);
  const scale = Math.min(1, maxNorm / (totalNorm + 1e-6));
  // Multiplying by exactly 1 is the identity, so unclipped gradients are just shared copies.
  return { grads: scale === 1 ? cloneGradients(grads) : scaleGradients(grads, scale), totalNorm };
}

/** New tensors `g * s` for every gradient; the input map is left alone. */
export function scaleGradients(grads: ReadonlyMap<string, tf.Tensor>, s: number): Gradients {
  const out: Gradients = new Map();
  for (const [k, g] of grads)
    out.set(
      k,
      tf.tidy(() => tf.mul(g, s)),
    );
  return out;
}

/** Shallow tensor copies (shared data, independent disposal). */
export function cloneGradients(grads: ReadonlyMap<string, tf.Tensor>): Gradients {
  const out: Gradients = new Map();
  for (const [k, g] of grads) out.set(k, tf.clone(g));
  return out;
}

/**
 * Adds `grads` into the accumulator `acc` in place (`acc[k] += grads[k]`; a new key starts as a
 * copy) and returns `acc`. Replaced accumulator tensors are disposed; `grads` stays owned by the
 * caller. For gradient accumulation over `k` micro-batches, accumulate then
 * `scaleGradients(acc, 1 / k)` (or scale the loss by `1 / k`).
 *
 * @example
 * ```ts
 * const acc: Gradients = new Map();
 * for (const batch of microBatches) {
 *   const { value, grads } = valueAndGrads(named, () => lossOf(batch));
 *   accumulateGradients(acc, grads);
 *   disposeGradients(grads); value.dispose();
 * }
 * ```
 */
export function accumulateGradients(acc: Gradients, grads: ReadonlyMap<string, tf.Tensor>): Gradients {
  for (const [k, g] of grads) {
    const prev = acc.get(k);
    if (prev && (prev.shape.length !== g.shape.length || prev.shape.some((d, i) => d !== g.shape[i]))) {
      throw new Error(`accumulateGradients: '${k}' has shape [${g.shape}], accumulator has [${prev.shape}]`);
    }
  }
  for (const [k, g] of grads) {
    const prev = acc.get(k);
    acc.set(k, prev ? tf.add(prev, g) : tf.clone(g));
    prev?.dispose();
  }
  return acc;
}

/**
 * True if any element is NaN or +/-Infinity. Accepts a gradient map, a tensor (e.g. the loss) or
 * a number. One host sync for the whole map: `x * 0` is 0 for finite x and NaN otherwise, so the
 * sum of all `x * 0` is NaN exactly when something is non-finite (and uses only kernels every
 * backend has).
 */
export function hasNonFinite(x: ReadonlyMap<string, tf.Tensor> | tf.Tensor | number): boolean {
  if (typeof x === 'number') return !Number.isFinite(x);
  const tensors = x instanceof tf.Tensor ? [x] : [...x.values()];
  if (tensors.length === 0) return false;
  const probe = tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.mul(tf.cast(t, 'float32'), 0)))));
  const v = probe.dataSync()[0]!;
  probe.dispose();
  return Number.isNaN(v);
}
