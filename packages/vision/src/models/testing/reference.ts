/**
 * Plain-number reference implementations (float64, PyTorch layouts, no tfjs) used by tests to
 * check the tfjs models and their file-layout conversions independently. Not exported from the
 * package.
 */

export type Mat = number[][];

/** `x @ W^T + b` with a PyTorch-layout weight `[out][in]`. */
export function linear(x: Mat, w: Mat, b?: number[]): Mat {
  return x.map((row) =>
    w.map((wo, o) => wo.reduce((s, v, i) => s + v * (row[i] as number), b ? (b[o] as number) : 0)),
  );
}

export function layerNorm(x: Mat, g: number[], b: number[], eps: number): Mat {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (g[i] as number) + (b[i] as number));
  });
}

/** Exact (erf) GELU via a high-precision erf approximation (|error| < 1.2e-7). */
export function gelu(v: number): number {
  const z = Math.abs(v) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const y =
    1 -
    t *
      Math.exp(
        -z * z -
          1.26551223 +
          t *
            (1.00002368 +
              t *
                (0.37409196 +
                  t *
                    (0.09678418 +
                      t *
                        (-0.18628806 +
                          t *
                            (0.27886807 +
                              t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  const erf = v >= 0 ? y : -y;
  return 0.5 * v * (1 + erf);
}

export function add(a: Mat, b: Mat): Mat {
  return a.map((r, i) => r.map((v, j) => v + (b[i]?.[j] as number)));
}

export function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

/** Multi-head self-attention on one sequence `[T][d]` with PyTorch-layout projections. */
export function selfAttention(x: Mat, heads: number, q: Mat, k: Mat, v: Mat): Mat {
  const d = x[0]!.length;
  const hd = d / heads;
  const out: Mat = x.map(() => new Array<number>(d).fill(0));
  for (let h = 0; h < heads; h++) {
    const cols = (m: Mat) => m.map((r) => r.slice(h * hd, (h + 1) * hd));
    const qh = cols(q);
    const kh = cols(k);
    const vh = cols(v);
    qh.forEach((qi, i) => {
      const scores = kh.map((kj) => kj.reduce((s, val, t) => s + val * (qi[t] as number), 0) / Math.sqrt(hd));
      const p = softmax(scores);
      for (let t = 0; t < hd; t++)
        out[i]![h * hd + t] = p.reduce((s, pj, j) => s + pj * (vh[j]![t] as number), 0);
    });
  }
  return out;
}

/** 4-D array `[a][b][c][d]` from flat values. */
export function reshape4(flat: ArrayLike<number>, [a, b, c, d]: readonly number[]): number[][][][] {
  const out: number[][][][] = [];
  for (let i = 0; i < (a as number); i++) {
    out.push([]);
    for (let j = 0; j < (b as number); j++) {
      out[i]!.push([]);
      for (let k = 0; k < (c as number); k++) {
        const o = ((i * (b as number) + j) * (c as number) + k) * (d as number);
        out[i]![j]!.push(Array.from({ length: d as number }, (_, l) => flat[o + l] as number));
      }
    }
  }
  return out;
}

/**
 * Conv2d in PyTorch semantics on one NHWC image `[H][W][C]` with an OIHW weight, returning
 * `[Ho][Wo][O]` (zero padding, integer stride).
 */
export function conv2d(
  x: number[][][],
  w: number[][][][],
  bias: number[] | undefined,
  stride: number,
  pad: number,
): number[][][] {
  const h = x.length;
  const wd = x[0]!.length;
  const o = w.length;
  const cin = w[0]!.length;
  const k = w[0]![0]!.length;
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((wd + 2 * pad - k) / stride) + 1;
  const out: number[][][] = [];
  for (let i = 0; i < ho; i++) {
    out.push([]);
    for (let j = 0; j < wo; j++) {
      const cell: number[] = [];
      for (let oc = 0; oc < o; oc++) {
        let s = bias ? (bias[oc] as number) : 0;
        for (let c = 0; c < cin; c++) {
          for (let ky = 0; ky < k; ky++) {
            const y = i * stride + ky - pad;
            if (y < 0 || y >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const xx = j * stride + kx - pad;
              if (xx < 0 || xx >= wd) continue;
              s += (w[oc]![c]![ky]![kx] as number) * (x[y]![xx]![c] as number);
            }
          }
        }
        cell.push(s);
      }
      out[i]!.push(cell);
    }
  }
  return out;
}
