import { add, type Matrix, matmul, maxAbs, solve, sub, transpose } from './linalg.js';

/** The solution of a discrete-time LQR problem. */
export interface DareSolution {
  /** Cost-to-go matrix P (n x n), the stabilising solution of the Riccati equation. */
  readonly P: Matrix;
  /** Optimal feedback gain K (m x n): the control is u = -K x. */
  readonly K: Matrix;
  /** Riccati iterations used. */
  readonly iterations: number;
}

/**
 * Solves the discrete algebraic Riccati equation
 * `P = Q + A'PA - A'PB (R + B'PB)^-1 B'PA` by iterating the Riccati recursion from `P = Q`
 * (value iteration of the infinite-horizon LQR) until P changes by less than `tolerance`
 * relative to its size, and returns P with the gain `K = (R + B'PB)^-1 B'PA`.
 *
 * Needs (A, B) stabilisable and Q positive semi-definite with (A, Q) detectable; otherwise the
 * iteration diverges or stalls and this throws.
 */
export function solveDare(
  A: Matrix,
  B: Matrix,
  Q: Matrix,
  R: Matrix,
  tolerance = 1e-11,
  maxIterations = 100_000,
): DareSolution {
  const At = transpose(A);
  const Bt = transpose(B);
  let P = Q.map((r) => [...r]);
  for (let it = 1; it <= maxIterations; it++) {
    const K = gain(A, B, Bt, R, P);
    // P <- Q + A'P(A - BK): the same recursion, written with K to reuse it.
    const next = add(Q, matmul(matmul(At, P), sub(A, matmul(B, K))));
    const symmetric = next.map((row, i) => row.map((v, j) => (v + ((next[j] as number[])[i] as number)) / 2));
    const change = maxAbs(sub(symmetric, P));
    P = symmetric;
    if (!Number.isFinite(change)) break;
    if (change <= tolerance * Math.max(1, maxAbs(P))) return { P, K: gain(A, B, Bt, R, P), iterations: it };
  }
  throw new Error('solveDare: the Riccati iteration did not converge (is (A, B) stabilisable?)');
}

function gain(A: Matrix, B: Matrix, Bt: Matrix, R: Matrix, P: Matrix): Matrix {
  const BtP = matmul(Bt, P);
  return solve(add(R, matmul(BtP, B)), matmul(BtP, A));
}
