/**
 * The CTC alpha-beta recursions in the probability domain, rescaled at every frame (Rabiner's
 * scaling, as Graves 2006 describes): the same alignment sums as the log-space recursion in
 * `ctc-recursion.ts` with no exp/log per state, several times faster. Float64 probabilities
 * underflow when an alignment needs a class whose probability is below ~1e-280 at some frame (a
 * logit gap of about 650); every function here then returns undefined and the caller uses the
 * log-space recursion, which also decides impossible alignments.
 */

/** Below this a frame's total is treated as underflow. */
const TINY = 1e-280;

/** One example: frame probabilities (softmax) and the blank-extended labels. */
export interface ScaledExample {
  /** Softmax of the logits, `[T, C]` row-major (only the first `frames` rows are read). */
  readonly probs: Float64Array;
  readonly classes: number;
  readonly frames: number;
  /** `l' = (blank, l1, blank, ..., blank)`. */
  readonly extended: Int32Array;
  /** `skip[s]`: state s may be entered from s - 2 (a label differing from the one before it). */
  readonly skip: Uint8Array;
}

/** The scaled alphas of one example: each frame's row sums to 1. */
export interface ScaledForward {
  readonly logLikelihood: number;
  readonly alpha: Float64Array;
}

/** The alpha recursion with per-frame rescaling, or undefined on underflow / no alignment. */
export function scaledForward(e: ScaledExample): ScaledForward | undefined {
  const { probs: y, extended: ext, skip, frames: T, classes: C } = e;
  const S = ext.length;
  if (T === 0) return undefined;
  const alpha = new Float64Array(T * S);
  alpha[0] = y[ext[0]!]!;
  if (S > 1) alpha[1] = y[ext[1]!]!;
  let logLikelihood = 0;
  for (let t = 0; t < T; t++) {
    const row = t * S;
    // Reachable from the start (s <= 2t + 1) and still able to finish (s >= S - 2(T - t)).
    const sMin = Math.max(0, S - 2 * (T - t));
    const sMax = Math.min(S - 1, 2 * t + 1);
    if (t > 0) {
      const prev = row - S;
      const yRow = t * C;
      for (let s = sMin; s <= sMax; s++) {
        let a = alpha[prev + s]!;
        if (s >= 1) a += alpha[prev + s - 1]!;
        if (skip[s]) a += alpha[prev + s - 2]!;
        alpha[row + s] = a * y[yRow + ext[s]!]!;
      }
    }
    let total = 0;
    for (let s = sMin; s <= sMax; s++) total += alpha[row + s]!;
    if (!(total > TINY)) return undefined;
    const inv = 1 / total;
    for (let s = sMin; s <= sMax; s++) alpha[row + s] = alpha[row + s]! * inv;
    logLikelihood += Math.log(total);
  }
  const last = (T - 1) * S;
  const end = alpha[last + S - 1]! + (S > 1 ? alpha[last + S - 2]! : 0);
  if (!(end > TINY)) return undefined;
  return { logLikelihood: logLikelihood + Math.log(end), alpha };
}

/**
 * Adds `scale * (softmax - posterior)` for every valid frame into `grad` (`[T, C]`), with the
 * posterior from scaled alphas and betas; beta here excludes the frame's own emission, so
 * `alpha_t(s) beta_t(s)` is the mass of the alignments through state s at frame t. Returns false
 * (leaving `grad` untouched) on underflow.
 */
export function addScaledGradient(
  e: ScaledExample,
  fwd: ScaledForward,
  grad: Float32Array,
  scale: number,
): boolean {
  const { probs: y, extended: ext, skip, frames: T, classes: C } = e;
  const S = ext.length;
  const posteriors = new Float64Array(T * C);
  let beta = new Float64Array(S);
  let next = new Float64Array(S);
  const w = new Float64Array(S);
  beta[S - 1] = 1;
  if (S > 1) beta[S - 2] = 1;
  for (let t = T - 1; t >= 0; t--) {
    if (t < T - 1) {
      // beta_t(s) = sum over the states s' reachable from s of beta_{t+1}(s') y_{t+1}(l'_{s'}).
      const yNext = (t + 1) * C;
      for (let s = 0; s < S; s++) w[s] = next[s]! * y[yNext + ext[s]!]!;
      let total = 0;
      for (let s = 0; s < S; s++) {
        let b = w[s]!;
        if (s + 1 < S) b += w[s + 1]!;
        if (s + 2 < S && skip[s + 2]) b += w[s + 2]!;
        beta[s] = b;
        total += b;
      }
      if (!(total > TINY)) return false;
      const inv = 1 / total;
      for (let s = 0; s < S; s++) beta[s] = beta[s]! * inv;
    }
    const row = t * S;
    const out = t * C;
    let norm = 0;
    for (let s = 0; s < S; s++) {
      const g = fwd.alpha[row + s]! * beta[s]!;
      if (g === 0) continue;
      posteriors[out + ext[s]!] = posteriors[out + ext[s]!]! + g;
      norm += g;
    }
    if (!(norm > TINY)) return false;
    const inv = 1 / norm;
    for (let c = 0; c < C; c++) posteriors[out + c] = posteriors[out + c]! * inv;
    [beta, next] = [next, beta];
  }
  for (let i = 0; i < T * C; i++) grad[i] = grad[i]! + scale * (y[i]! - posteriors[i]!);
  return true;
}
