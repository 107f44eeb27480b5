/**
 * Plain-JavaScript float64 maths for reference computations in tests: an independent check of
 * the tfjs models (no tfjs ops involved). Matrices are row-major `number[][]`.
 */

export type Matrix = number[][];

export function matmul(a: Matrix, b: Matrix): Matrix {
  const n = b[0]?.length ?? 0;
  return a.map((row) => {
    const out = new Array<number>(n).fill(0);
    row.forEach((v, k) => {
      const bk = b[k] as number[];
      for (let j = 0; j < n; j++) out[j] = (out[j] as number) + v * (bk[j] as number);
    });
    return out;
  });
}

export function transpose(a: Matrix): Matrix {
  return (a[0] ?? []).map((_, j) => a.map((row) => row[j] as number));
}

export function addRow(a: Matrix, bias: readonly number[]): Matrix {
  return a.map((row) => row.map((v, j) => v + (bias[j] as number)));
}

export function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + ((b[i] as number[])[j] as number)));
}

/** `x @ W^T + b` with `W` in PyTorch layout `[out, in]`. */
export function linearTorch(x: Matrix, w: Matrix, b: readonly number[]): Matrix {
  return addRow(matmul(x, transpose(w)), b);
}

export function layerNorm(x: Matrix, gamma: readonly number[], beta: readonly number[], eps: number): Matrix {
  return x.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map(
      (v, j) => ((v - mean) / Math.sqrt(variance + eps)) * (gamma[j] as number) + (beta[j] as number),
    );
  });
}

export function softmaxRow(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7). */
export function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

export function mapM(a: Matrix, f: (v: number) => number): Matrix {
  return a.map((row) => row.map(f));
}

/** Columns `[from, to)` of every row. */
export function cols(a: Matrix, from: number, to: number): Matrix {
  return a.map((row) => row.slice(from, to));
}

/**
 * Multi-head attention on already-projected `q, k, v` `[T, E]` with `heads` heads: per head,
 * `softmax(q k^T / sqrt(d) + mask) v`. `allowed(i, j)` says whether query i may see key j.
 */
export function attention(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  heads: number,
  allowed: (i: number, j: number) => boolean,
): Matrix {
  const e = q[0]?.length ?? 0;
  const d = e / heads;
  const out: Matrix = q.map(() => new Array<number>(e).fill(0));
  for (let h = 0; h < heads; h++) {
    const qh = cols(q, h * d, (h + 1) * d);
    const kh = cols(k, h * d, (h + 1) * d);
    const vh = cols(v, h * d, (h + 1) * d);
    const scores = matmul(qh, transpose(kh)).map((row, i) =>
      row.map((s, j) => (allowed(i, j) ? s / Math.sqrt(d) : Number.NEGATIVE_INFINITY)),
    );
    const ctx = matmul(scores.map(softmaxRow), vh);
    ctx.forEach((row, i) => {
      row.forEach((val, j) => {
        (out[i] as number[])[h * d + j] = val;
      });
    });
  }
  return out;
}

/** A deterministic pseudo-random matrix in [-scale, scale). */
export function seededMatrix(rows: number, columns: number, seed: number, scale = 0.5): Matrix {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => next() * scale));
}

/** The largest absolute element-wise difference of two same-shaped matrices. */
export function maxAbsDiff(a: Matrix, b: Matrix): number {
  return Math.max(
    ...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - ((b[i] as number[])[j] as number)))),
  );
}
