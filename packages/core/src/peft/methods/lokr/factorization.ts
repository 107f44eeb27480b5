/**
 * Splits `dimension` into two factors `[m, n]` with `m <= n` and `m * n = dimension`, by HF PEFT's
 * (LyCORIS') rule, so LoKr factor shapes match HF for the same config:
 *
 * - `factor > 0` dividing `dimension`: `[factor, dimension / factor]` (in that order, even if
 *   `factor` is the larger one, as HF does);
 * - otherwise walk divisors upwards from 1 while the smaller factor stays below the larger one
 *   and at most `factor` (`-1` = no bound), keeping the last pair; this lands near the square root.
 *
 * @example
 * factorization(256) // [16, 16]
 * factorization(128) // [8, 16]
 * factorization(127) // [1, 127]
 * factorization(128, 4) // [4, 32]
 */
export function factorization(dimension: number, factor = -1): [number, number] {
  if (!Number.isInteger(dimension) || dimension <= 0) {
    throw new Error(`factorization: dimension must be a positive integer, got ${dimension}`);
  }
  if (!Number.isInteger(factor) || factor === 0 || factor < -1) {
    throw new Error(`factorization: factor must be a positive integer or -1, got ${factor}`);
  }
  if (factor > 0 && dimension % factor === 0) return [factor, dimension / factor];
  const bound = factor === -1 ? dimension : factor;
  let m = 1;
  let n = dimension;
  // HF compares against the sum of the *initial* pair, which never stops the walk early; kept so
  // shapes agree with HF exactly.
  const length = m + n;
  while (m < n) {
    let nextM = m + 1;
    while (dimension % nextM !== 0) nextM += 1;
    const nextN = dimension / nextM;
    if (nextM + nextN > length || nextM > bound) break;
    m = nextM;
    n = nextN;
  }
  return m > n ? [n, m] : [m, n];
}
