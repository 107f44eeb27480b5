import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { solveDare } from './dare.js';
import { add, diag, identity, type Matrix, matmul, maxAbs, solve, sub, transpose } from './linalg.js';
import { linearize } from './linearize.js';

const random = (rng: Rng, rows: number, cols: number): Matrix =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.uniform(-1, 1)));

/** Riccati residual Q + A'PA - A'PB (R + B'PB)^-1 B'PA - P. */
function riccatiResidual(A: Matrix, B: Matrix, Q: Matrix, R: Matrix, P: Matrix): number {
  const At = transpose(A);
  const BtPA = matmul(matmul(transpose(B), P), A);
  const inner = solve(add(R, matmul(matmul(transpose(B), P), B)), BtPA);
  return maxAbs(sub(add(Q, sub(matmul(matmul(At, P), A), matmul(transpose(BtPA), inner))), P));
}

/** Spectral radius estimate: growth rate of ||M^k|| (enough to tell stable from unstable). */
function spectralRadius(M: Matrix, k = 400): number {
  let P = identity(M.length);
  for (let i = 0; i < k; i++) P = matmul(P, M);
  return maxAbs(P) ** (1 / k);
}

describe('small dense linear algebra', () => {
  it('solve() inverts random well-conditioned systems', () => {
    const rng = new Rng(1);
    for (let n = 1; n <= 6; n++) {
      const A = add(random(rng, n, n), diag(new Array(n).fill(3)));
      const X = random(rng, n, 2);
      expect(maxAbs(sub(solve(A, matmul(A, X)), X))).toBeLessThan(1e-12);
    }
    expect(() =>
      solve(
        [
          [1, 2],
          [2, 4],
        ],
        [[1], [1]],
      ),
    ).toThrow('singular');
  });
});

describe('solveDare', () => {
  it('matches the closed form of the scalar Riccati equation', () => {
    // p = q + a^2 p - a^2 b^2 p^2 / (r + b^2 p)  <=>  b^2 p^2 + (r - a^2 r - q b^2) p - q r = 0.
    for (const [a, b, q, r] of [
      [1.2, 0.5, 1, 0.1],
      [0.9, 1, 2, 3],
      [2, 0.1, 1, 1],
    ] as const) {
      const lin = r - a * a * r - q * b * b;
      const p = (-lin + Math.sqrt(lin * lin + 4 * b * b * q * r)) / (2 * b * b);
      const { P, K } = solveDare([[a]], [[b]], [[q]], [[r]]);
      expect(Math.abs(((P[0] as number[])[0] as number) / p - 1)).toBeLessThan(1e-10);
      expect(Math.abs(((K[0] as number[])[0] as number) / ((a * b * p) / (r + b * b * p)) - 1)).toBeLessThan(
        1e-10,
      );
    }
  });

  it('solves a 4-state unstable system: Riccati residual ~0 and a stable closed loop', () => {
    const rng = new Rng(7);
    const A = add(
      identity(4),
      random(rng, 4, 4).map((row) => row.map((v) => 0.3 * v)),
    );
    A[0]![0] = 1.3; // make sure something is unstable
    const B = random(rng, 4, 2);
    const Q = diag([1, 2, 0.5, 0.1]);
    const R = diag([0.3, 1]);
    expect(spectralRadius(A)).toBeGreaterThan(1);
    const { P, K } = solveDare(A, B, Q, R);
    expect(riccatiResidual(A, B, Q, R, P)).toBeLessThan(1e-8 * maxAbs(P));
    expect(spectralRadius(sub(A, matmul(B, K)))).toBeLessThan(1);
  });

  it('handles undamped modes (a double integrator) and refuses an unstabilisable system', () => {
    const A = [
      [1, 0.1],
      [0, 1],
    ];
    const B = [[0.005], [0.1]];
    const { P, K, iterations } = solveDare(A, B, identity(2), [[1]]);
    expect(iterations).toBeLessThan(60);
    expect(riccatiResidual(A, B, identity(2), [[1]], P)).toBeLessThan(1e-8 * maxAbs(P));
    expect(spectralRadius(sub(A, matmul(B, K)))).toBeLessThan(1);
    // The second state is unstable and the input cannot reach it.
    expect(() =>
      solveDare(
        [
          [0.5, 0],
          [0, 1.5],
        ],
        [[1], [0]],
        identity(2),
        [[1]],
      ),
    ).toThrow('no stabilising solution');
  });
});

describe('linearize', () => {
  it('recovers A and B of a linear map exactly and the Jacobian of a nonlinear one', () => {
    const A = [
      [1, 0.1],
      [-0.2, 0.9],
    ];
    const B = [[0], [0.5]];
    const linear = linearize(
      (x, u) => [
        (A[0]![0] as number) * x[0]! + (A[0]![1] as number) * x[1]!,
        (A[1]![0] as number) * x[0]! + (A[1]![1] as number) * x[1]! + 0.5 * u[0]!,
      ],
      [0.3, -0.1],
      [0.2],
    );
    expect(maxAbs(sub(linear.A, A))).toBeLessThan(1e-9);
    expect(maxAbs(sub(linear.B, B))).toBeLessThan(1e-9);
    const pendulum = linearize(
      (x, u) => [x[0]! + 0.01 * x[1]!, x[1]! + 0.01 * (Math.sin(x[0]!) + u[0]! * Math.cos(x[0]!))],
      [0.4, 0],
      [0.7],
    );
    expect((pendulum.A[1] as number[])[0]).toBeCloseTo(0.01 * (Math.cos(0.4) - 0.7 * Math.sin(0.4)), 8);
    expect((pendulum.B[1] as number[])[0]).toBeCloseTo(0.01 * Math.cos(0.4), 8);
  });
});
