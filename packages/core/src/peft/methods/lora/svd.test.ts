import { describe, expect, it } from 'vitest';
import { Rng } from '../../../runtime/random.js';
import {
  type Matrix,
  matMul,
  qr,
  reconstruct,
  type Svd,
  svdJacobi,
  svdOfProduct,
  svdRandomized,
  transpose,
  zerosMatrix,
} from './svd.js';

/**
 * Test matrices with known singular values: W = Q1 diag(s) Q2^T, with Q1, Q2 orthonormal built
 * from Householder reflections here (independently of svd.ts). Then the exact best rank-r error
 * is sqrt(sum_{i>r} s_i^2) (Eckart-Young), the reference every SVD result is held to.
 */
function orthonormal(m: number, n: number, rng: Rng): Matrix {
  const q = zerosMatrix(m, m);
  for (let i = 0; i < m; i++) q.data[i * m + i] = 1;
  for (let k = 0; k < m; k++) {
    const v = Array.from({ length: m }, () => rng.normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    // q := q (I - 2 v v^T / v^T v)
    for (let i = 0; i < m; i++) {
      let d = 0;
      for (let j = 0; j < m; j++) d += (q.data[i * m + j] as number) * (v[j] as number);
      for (let j = 0; j < m; j++)
        q.data[i * m + j] = (q.data[i * m + j] as number) - (2 * d * (v[j] as number)) / vv;
    }
  }
  const out = zerosMatrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = q.data[i * m + j] as number;
  return out;
}

function withSingularValues(m: number, n: number, s: number[], seed: number): Matrix {
  const rng = new Rng(seed);
  const k = s.length;
  const u = orthonormal(m, k, rng);
  const v = orthonormal(n, k, rng);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < k; j++) u.data[i * k + j] = (u.data[i * k + j] as number) * (s[j] as number);
  return matMul(u, transpose(v));
}

function frob(a: Matrix, b?: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = (a.data[i] as number) - (b ? (b.data[i] as number) : 0);
    s += d * d;
  }
  return Math.sqrt(s);
}

function orthonormalityError(m: Matrix, k: number): number {
  let worst = 0;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let d = 0;
      for (let i = 0; i < m.rows; i++)
        d += (m.data[i * m.cols + p] as number) * (m.data[i * m.cols + q] as number);
      worst = Math.max(worst, Math.abs(d - (p === q ? 1 : 0)));
    }
  }
  return worst;
}

const S = [9, 7, 5, 3, 2, 1, 0.5];
const exactError = (r: number) => Math.sqrt(S.slice(r).reduce((a, x) => a + x * x, 0));

describe('SVD helpers', () => {
  it('svdJacobi recovers known singular values and orthonormal factors (tall and wide)', () => {
    for (const [m, n] of [
      [12, 7],
      [7, 12],
    ] as const) {
      const w = withSingularValues(m, n, S, 3);
      const svd = svdJacobi(w);
      expect(Array.from(svd.s).map((x) => Number(x.toFixed(9)))).toEqual(S);
      expect(orthonormalityError(svd.u, 7)).toBeLessThan(1e-12);
      expect(orthonormalityError(svd.v, 7)).toBeLessThan(1e-12);
      expect(frob(reconstruct(svd), w)).toBeLessThan(1e-10);
      for (const r of [1, 3, 5]) expect(frob(reconstruct(svd, r), w) / exactError(r) - 1).toBeLessThan(1e-9);
    }
  });

  it('svdRandomized reaches the exact top-r error within 1e-3 relative and is seeded', () => {
    const w = withSingularValues(40, 24, [...S, ...new Array(17).fill(0.05)], 5);
    const exact = (r: number) =>
      Math.sqrt([...S, ...new Array(17).fill(0.05)].slice(r).reduce((a, x) => a + x * x, 0));
    for (const r of [2, 4]) {
      const svd: Svd = svdRandomized(w, r, 4, new Rng(1));
      expect(svd.s.length).toBe(r);
      expect(orthonormalityError(svd.u, r)).toBeLessThan(1e-10);
      expect(orthonormalityError(svd.v, r)).toBeLessThan(1e-10);
      expect(frob(reconstruct(svd, r), w) / exact(r) - 1).toBeLessThan(1e-3);
    }
    const a = svdRandomized(w, 3, 2, new Rng(9));
    const b = svdRandomized(w, 3, 2, new Rng(9));
    expect(Array.from(a.u.data)).toEqual(Array.from(b.u.data));
    // Without power iterations the sketch is noticeably worse on this slowly decaying spectrum.
    expect(frob(reconstruct(svdRandomized(w, 2, 0, new Rng(1)), 2), w)).toBeGreaterThan(exact(2));
  });

  it('qr handles rank-deficient input; svdOfProduct equals the SVD of the product', () => {
    const rng = new Rng(4);
    const a = zerosMatrix(9, 4);
    for (let i = 0; i < 9; i++) {
      const x = rng.normal();
      const y = rng.normal();
      a.data.set([x, y, x - 2 * y, rng.normal()], i * 4); // column 2 depends on 0 and 1
    }
    const { q, r } = qr(a);
    expect(frob(matMul(q, r), a)).toBeLessThan(1e-12);
    expect(Math.abs(r.data[2 * 4 + 2] as number)).toBe(0);

    const b = zerosMatrix(4, 6);
    for (let i = 0; i < b.data.length; i++) b.data[i] = rng.normal();
    const direct = svdJacobi(matMul(a, b));
    const viaFactors = svdOfProduct(a, b);
    for (let i = 0; i < 4; i++) expect(viaFactors.s[i]).toBeCloseTo(direct.s[i] as number, 10);
    expect(frob(reconstruct(viaFactors), matMul(a, b))).toBeLessThan(1e-10);
  });
});
