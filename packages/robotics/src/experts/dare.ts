import { add, identity, type Matrix, matmul, maxAbs, solve, sub, transpose } from './linalg.js';

/** The solution of a discrete-time LQR problem. */
export interface DareSolution {
  /** Cost-to-go matrix P (n x n), the stabilising solution of the Riccati equation. */
  readonly P: Matrix;
  /** Optimal feedback gain K (m x n): the control is u = -K x. */
  readonly K: Matrix;
  /** Doubling iterations used. */
  readonly iterations: number;
}

/**
 * Solves the discrete algebraic Riccati equation
 * `P = Q + A'PA - A'PB (R + B'PB)^-1 B'PA` and returns P with the LQR gain
 * `K = (R + B'PB)^-1 B'PA`.
 *
 * Uses the structured doubling algorithm (Chu, Fan & Lin 2005): with `G = B R^-1 B'`,
 * `A <- A W^-1 A`, `G <- G + A W^-1 G A'`, `H <- H + A' H W^-1 A` where `W = I + G H`, starting
 * from `H = Q`; H converges to P quadratically (each step doubles the horizon), including
 * systems with undamped modes where plain Riccati iteration crawls.
 *
 * Needs (A, B) stabilisable and (A, Q) detectable; otherwise this throws.
 */
export function solveDare(
  A: Matrix,
  B: Matrix,
  Q: Matrix,
  R: Matrix,
  tolerance = 1e-12,
  maxIterations = 200,
): DareSolution {
  const n = A.length;
  const I = identity(n);
  let Ak = A.map((r) => [...r]);
  let G = matmul(B, solve(R, transpose(B)));
  let H = Q.map((r) => [...r]);
  for (let it = 1; it <= maxIterations; it++) {
    const W = add(I, matmul(G, H));
    const WinvA = solve(W, Ak); // W^-1 A
    const WinvG = solve(W, G); // W^-1 G
    const At = transpose(Ak);
    const nextH = symmetric(add(H, matmul(matmul(At, H), WinvA)));
    const nextG = symmetric(add(G, matmul(matmul(Ak, WinvG), At)));
    Ak = matmul(Ak, WinvA);
    const change = maxAbs(sub(nextH, H));
    H = nextH;
    G = nextG;
    if (!Number.isFinite(change) || !Number.isFinite(maxAbs(Ak))) break;
    if (change <= tolerance * Math.max(1, maxAbs(H))) {
      const BtP = matmul(transpose(B), H);
      return { P: H, K: solve(add(R, matmul(BtP, B)), matmul(BtP, A)), iterations: it };
    }
  }
  throw new Error(
    'solveDare: the Riccati equation has no stabilising solution here (is (A, B) stabilisable?)',
  );
}

function symmetric(m: Matrix): Matrix {
  return m.map((row, i) => row.map((v, j) => (v + ((m[j] as number[])[i] as number)) / 2));
}
