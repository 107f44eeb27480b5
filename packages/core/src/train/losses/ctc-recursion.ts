/**
 * Host-side CTC: the alpha (forward) and beta (backward) recursions of Graves et al. (2006) in
 * log space, over the blank-extended label sequence `l' = (blank, l1, blank, l2, ..., blank)`.
 * Float64 throughout; tensors never enter here. `ctc-scaled-recursion.ts` computes the same sums
 * faster in the rescaled probability domain; this one is its fallback where that underflows, and
 * decides impossible alignments (-Infinity).
 */

const NEG_INF = Number.NEGATIVE_INFINITY;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** One example of a batch: its frames' log-probabilities and its labels. */
export interface CtcExample {
  /** Log-softmax of the logits, `[T, C]` row-major (only the first `frames` rows are read). */
  readonly logProbs: Float64Array;
  readonly classes: number;
  /** Valid frames (the logit length). */
  readonly frames: number;
  /** Target class ids, none equal to `blank`. */
  readonly labels: ArrayLike<number>;
  readonly blank: number;
}

/** The forward pass of one example, kept for its gradient. */
export interface CtcForward {
  /** log p(labels | frames); -Infinity when no alignment fits in the frames. */
  readonly logLikelihood: number;
  /** alpha `[frames, S]` with `S = 2U + 1`; alpha_t(s) includes the emission at t. */
  readonly alpha: Float64Array;
  /** The extended label sequence l' (length S). */
  readonly extended: Int32Array;
}

/** The blank-extended label sequence `l' = (blank, l1, blank, l2, ..., blank)`. */
export function extendedLabels(labels: ArrayLike<number>, blank: number): Int32Array {
  const ext = new Int32Array(2 * labels.length + 1).fill(blank);
  for (let u = 0; u < labels.length; u++) ext[2 * u + 1] = labels[u]!;
  return ext;
}

/** Whether l'[s] may be reached from l'[s - 2] by skipping the blank between them. */
function canSkip(ext: Int32Array, s: number, blank: number): boolean {
  return s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2];
}

/** `canSkip` for every state of `ext`. */
export function skipFlags(ext: Int32Array, blank: number): Uint8Array {
  return Uint8Array.from(ext, (_, s) => (canSkip(ext, s, blank) ? 1 : 0));
}

/** The alpha recursion and the log-likelihood of one example. */
export function ctcForward(e: CtcExample): CtcForward {
  const ext = extendedLabels(e.labels, e.blank);
  const S = ext.length;
  const C = e.classes;
  const T = e.frames;
  const alpha = new Float64Array(T * S).fill(NEG_INF);
  if (T === 0) return { logLikelihood: S === 1 ? 0 : NEG_INF, alpha, extended: ext };
  const lp = e.logProbs;
  alpha[0] = lp[ext[0]!]!;
  if (S > 1) alpha[1] = lp[ext[1]!]!;
  for (let t = 1; t < T; t++) {
    const row = t * S;
    const prev = row - S;
    // A state s at time t needs s <= 2t + 1 (reachable) and s >= S - 2(T - t) (can still finish).
    const sMin = Math.max(0, S - 2 * (T - t));
    const sMax = Math.min(S - 1, 2 * t + 1);
    for (let s = sMin; s <= sMax; s++) {
      let a = alpha[prev + s]!;
      if (s >= 1) a = logAdd(a, alpha[prev + s - 1]!);
      if (canSkip(ext, s, e.blank)) a = logAdd(a, alpha[prev + s - 2]!);
      if (a !== NEG_INF) alpha[row + s] = a + lp[t * C + ext[s]!]!;
    }
  }
  const last = (T - 1) * S;
  const logLikelihood = S === 1 ? alpha[last]! : logAdd(alpha[last + S - 1]!, alpha[last + S - 2]!);
  return { logLikelihood, alpha, extended: ext };
}

/**
 * Adds the gradient of `-log p(labels | frames)` with respect to the logits of one example,
 * `softmax - posterior`, into `grad` (`[T, C]` row-major, frames past `e.frames` untouched),
 * scaled by `scale`. The posterior of class c at frame t sums the occupancy
 * `alpha_t(s) beta_t(s) / p` of every extended position s with `l'[s] = c`.
 */
export function addCtcGradient(e: CtcExample, fwd: CtcForward, grad: Float32Array, scale: number): void {
  const ext = fwd.extended;
  const S = ext.length;
  const C = e.classes;
  const T = e.frames;
  const lp = e.logProbs;
  const ll = fwd.logLikelihood;
  // beta_t(s) includes the emission at t, so alpha_t(s) + beta_t(s) counts it twice.
  let next = new Float64Array(S).fill(NEG_INF);
  let cur = new Float64Array(S);
  const posterior = new Float64Array(C);
  for (let t = T - 1; t >= 0; t--) {
    cur.fill(NEG_INF);
    const lpRow = t * C;
    if (t === T - 1) {
      cur[S - 1] = lp[lpRow + ext[S - 1]!]!;
      if (S > 1) cur[S - 2] = lp[lpRow + ext[S - 2]!]!;
    } else {
      const sMin = Math.max(0, S - 2 * (T - t));
      const sMax = Math.min(S - 1, 2 * t + 1);
      for (let s = sMin; s <= sMax; s++) {
        let b = next[s]!;
        if (s + 1 < S) b = logAdd(b, next[s + 1]!);
        if (s + 2 < S && canSkip(ext, s + 2, e.blank)) b = logAdd(b, next[s + 2]!);
        if (b !== NEG_INF) cur[s] = b + lp[lpRow + ext[s]!]!;
      }
    }
    posterior.fill(0);
    const aRow = t * S;
    for (let s = 0; s < S; s++) {
      const a = fwd.alpha[aRow + s]!;
      const b = cur[s]!;
      if (a === NEG_INF || b === NEG_INF) continue;
      const c = ext[s]!;
      posterior[c] = posterior[c]! + Math.exp(a + b - lp[lpRow + c]! - ll);
    }
    for (let c = 0; c < C; c++) {
      grad[lpRow + c] = grad[lpRow + c]! + scale * (Math.exp(lp[lpRow + c]!) - posterior[c]!);
    }
    [next, cur] = [cur, next];
  }
}

/** Row-wise log-softmax of the first `rows` rows of `[*, C]` float32 logits, in float64. */
export function logSoftmaxRows(
  logits: ArrayLike<number>,
  offset: number,
  rows: number,
  C: number,
): Float64Array {
  const out = new Float64Array(rows * C);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * C;
    let max = NEG_INF;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[base + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[base + c]! - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < C; c++) out[r * C + c] = logits[base + c]! - lse;
  }
  return out;
}
