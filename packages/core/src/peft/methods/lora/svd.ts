import * as tf from '@tensorflow/tfjs';
import { getRng, type Rng } from '../../../runtime/random.js';

/**
 * Small dense linear algebra in float64 on plain arrays, for PiSSA and `addWeightedAdapter`.
 * tfjs has no SVD or QR with gradients we need, and these run once per layer at init time, so
 * plain JavaScript in double precision is both simpler and more accurate than float32 tensors.
 */

/** A dense row-major float64 matrix. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Thin SVD `a = u diag(s) v^T`, singular values descending; `u` is m x k, `v` is n x k. */
export interface Svd {
  u: Matrix;
  s: Float64Array;
  v: Matrix;
}

export function zerosMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Copies a 2-D tensor into a float64 matrix. */
export function matrixFromTensor(t: tf.Tensor): Matrix {
  if (t.rank !== 2) throw new Error(`matrixFromTensor: expected a 2-D tensor, got shape [${t.shape}]`);
  const [rows, cols] = t.shape as [number, number];
  return { rows, cols, data: Float64Array.from(t.dataSync()) };
}

/** A float32 tensor holding `m` (caller disposes). */
export function matrixToTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols], 'float32');
}

export function transpose(a: Matrix): Matrix {
  const out = zerosMatrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j] as number;
  return out;
}

/** `a @ b`. */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matMul: [${a.rows}, ${a.cols}] @ [${b.rows}, ${b.cols}]`);
  const out = zerosMatrix(a.rows, b.cols);
  const { data: ad } = a;
  const { data: bd } = b;
  const od = out.data;
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const x = ad[i * a.cols + k] as number;
      if (x === 0) continue;
      const bo = k * b.cols;
      const oo = i * b.cols;
      for (let j = 0; j < b.cols; j++) od[oo + j] = (od[oo + j] as number) + x * (bd[bo + j] as number);
    }
  }
  return out;
}

/** Scales column j of `a` by `d[j]` (new matrix). */
export function scaleColumns(a: Matrix, d: ArrayLike<number>): Matrix {
  const out = zerosMatrix(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++)
      out.data[i * a.cols + j] = (a.data[i * a.cols + j] as number) * (d[j] as number);
  return out;
}

/** The first `k` columns of `a`, zero-padded if `a` has fewer. */
export function leadingColumns(a: Matrix, k: number): Matrix {
  const out = zerosMatrix(a.rows, k);
  const n = Math.min(k, a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < n; j++) out.data[i * k + j] = a.data[i * a.cols + j] as number;
  return out;
}

function columns(a: Matrix): Float64Array[] {
  return Array.from({ length: a.cols }, (_, j) => {
    const c = new Float64Array(a.rows);
    for (let i = 0; i < a.rows; i++) c[i] = a.data[i * a.cols + j] as number;
    return c;
  });
}

function fromColumns(cols: readonly Float64Array[], rows: number): Matrix {
  const out = zerosMatrix(rows, cols.length);
  cols.forEach((c, j) => {
    for (let i = 0; i < rows; i++) out.data[i * cols.length + j] = c[i] as number;
  });
  return out;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) * (y[i] as number);
  return s;
}

/**
 * Exact thin SVD by one-sided (Hestenes) Jacobi rotations: columns are rotated pairwise until all
 * are mutually orthogonal; their norms are then the singular values. Accurate to float64
 * round-off, cost O(m n^2) per sweep (typically 6-10 sweeps), so meant for matrices up to a few
 * hundred columns; `svdRandomized` is the fast path for large layers.
 */
export function svdJacobi(a: Matrix, maxSweeps = 80): Svd {
  if (a.rows < a.cols) {
    const t = svdJacobi(transpose(a), maxSweeps);
    return { u: t.v, s: t.s, v: t.u };
  }
  const m = a.rows;
  const n = a.cols;
  const cols = columns(a);
  const v = Array.from({ length: n }, (_, j) => {
    const c = new Float64Array(n);
    c[j] = 1;
    return c;
  });
  const tol = 1e-15;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const cp = cols[p] as Float64Array;
        const cq = cols[q] as Float64Array;
        const alpha = dot(cp, cp);
        const beta = dot(cq, cq);
        const gamma = dot(cp, cq);
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(cp, cq, c, s);
        rotate(v[p] as Float64Array, v[q] as Float64Array, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = cols.map((c) => Math.sqrt(dot(c, c)));
  const order = norms.map((_, j) => j).sort((i, j) => (norms[j] as number) - (norms[i] as number));
  const s = Float64Array.from(order, (j) => norms[j] as number);
  const uCols = order.map((j) => {
    const c = cols[j] as Float64Array;
    const nj = norms[j] as number;
    return nj > 0 ? c.map((x) => x / nj) : new Float64Array(m);
  });
  return {
    u: fromColumns(uCols, m),
    s,
    v: fromColumns(
      order.map((j) => v[j] as Float64Array),
      n,
    ),
  };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

/**
 * Thin QR by modified Gram-Schmidt with one re-orthogonalisation pass (numerically as good as
 * Householder for the well-scaled, thin matrices used here). Columns that are (numerically) in
 * the span of earlier ones get a zero column in `q` and a zero diagonal in `r`, so `a = q r`
 * holds for rank-deficient inputs too.
 */
export function qr(a: Matrix): { q: Matrix; r: Matrix } {
  const cols = columns(a);
  const k = a.cols;
  const r = zerosMatrix(k, k);
  const qCols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const w = cols[j] as Float64Array;
    const norm0 = Math.sqrt(dot(w, w));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const qi = qCols[i] as Float64Array;
        const rij = dot(qi, w);
        r.data[i * k + j] = (r.data[i * k + j] as number) + rij;
        for (let t = 0; t < w.length; t++) w[t] = (w[t] as number) - rij * (qi[t] as number);
      }
    }
    const norm = Math.sqrt(dot(w, w));
    if (norm > 1e-12 * norm0 && norm > 0) {
      r.data[j * k + j] = norm;
      qCols.push(w.map((x) => x / norm));
    } else {
      qCols.push(new Float64Array(a.rows));
    }
  }
  return { q: fromColumns(qCols, a.rows), r };
}

/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp), like `torch.svd_lowrank(a, q, niter)`
 * which HF PEFT uses for `pissa_niter_<n>`: a Gaussian sketch (drawn from peftkit's seeded
 * generator, so `setSeed` makes it reproducible), `niter` subspace (power) iterations with
 * re-orthonormalisation, then an exact SVD of the small projected matrix. Unlike torch (which
 * sketches exactly `rank` columns) the sketch has `RANDOMIZED_OVERSAMPLING` extra columns.
 */
export function svdRandomized(a: Matrix, rank: number, niter: number, rng: Rng = getRng()): Svd {
  const r = Math.min(rank, a.rows, a.cols);
  // Oversampling (torch uses none) costs little and sharply improves the top-r accuracy.
  const k = Math.min(r + RANDOMIZED_OVERSAMPLING, a.rows, a.cols);
  const g = zerosMatrix(a.cols, k);
  for (let i = 0; i < g.data.length; i++) g.data[i] = rng.normal();
  const at = transpose(a);
  let q = qr(matMul(a, g)).q;
  for (let i = 0; i < niter; i++) {
    q = qr(matMul(at, q)).q;
    q = qr(matMul(a, q)).q;
  }
  const small = svdJacobi(matMul(transpose(q), a)); // k x n
  return {
    u: leadingColumns(matMul(q, small.u), r),
    s: small.s.slice(0, r),
    v: leadingColumns(small.v, r),
  };
}

/** Extra sketch columns of `svdRandomized` beyond the requested rank. */
export const RANDOMIZED_OVERSAMPLING = 10;

/** `sum_i s_i u_i v_i^T` over the first `k` triplets. */
export function reconstruct(svd: Svd, k = svd.s.length): Matrix {
  const kk = Math.min(k, svd.s.length);
  return matMul(
    scaleColumns(leadingColumns(svd.u, kk), svd.s.subarray(0, kk)),
    transpose(leadingColumns(svd.v, kk)),
  );
}

/**
 * Exact SVD of a product `a @ b` with a thin inner dimension (`a`: P x R, `b`: R x Q, R small)
 * without forming the P x Q product: `a = Qa Ra`, `b^T = Qb Rb`, so `a b = Qa (Ra Rb^T) Qb^T`
 * and only the R x R core needs an SVD. This is how the weighted `svd` combination stays cheap
 * on large embeddings.
 */
export function svdOfProduct(a: Matrix, b: Matrix): Svd {
  if (a.cols !== b.rows) throw new Error(`svdOfProduct: [${a.rows}, ${a.cols}] @ [${b.rows}, ${b.cols}]`);
  const qa = qr(a);
  const qb = qr(transpose(b));
  const core = svdJacobi(matMul(qa.r, transpose(qb.r)));
  return { u: matMul(qa.q, core.u), s: core.s, v: matMul(qb.q, core.v) };
}
