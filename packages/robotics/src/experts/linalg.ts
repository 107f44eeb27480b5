/**
 * Dense linear algebra for the small matrices of controller design (a handful of rows), as
 * arrays of rows. Clarity over speed: these run once per expert, not per step.
 */
export type Matrix = number[][];

export function zeros(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) (m[i] as number[])[i] = 1;
  return m;
}

/** A diagonal matrix. */
export function diag(values: readonly number[]): Matrix {
  const m = zeros(values.length, values.length);
  values.forEach((v, i) => {
    (m[i] as number[])[i] = v;
  });
  return m;
}

export function transpose(a: Matrix): Matrix {
  const rows = a.length;
  const cols = a[0]?.length ?? 0;
  const t = zeros(cols, rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) (t[j] as number[])[i] = at(a, i, j);
  return t;
}

export function matmul(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const k = b.length;
  const m = b[0]?.length ?? 0;
  if ((a[0]?.length ?? 0) !== k) throw new Error(`matmul: ${n}x${a[0]?.length} times ${k}x${m}`);
  const c = zeros(n, m);
  for (let i = 0; i < n; i++) {
    const row = c[i] as number[];
    for (let p = 0; p < k; p++) {
      const aip = at(a, i, p);
      if (aip === 0) continue;
      const bRow = b[p] as number[];
      for (let j = 0; j < m; j++) row[j] = (row[j] as number) + aip * (bRow[j] as number);
    }
  }
  return c;
}

export function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + at(b, i, j)));
}

export function sub(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v - at(b, i, j)));
}

/** Largest absolute entry. */
export function maxAbs(a: Matrix): number {
  let m = 0;
  for (const row of a) for (const v of row) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Solves `A X = B` by Gaussian elimination with partial pivoting. Throws when `A` is singular
 * (a pivot below 1e-14 times the largest entry).
 */
export function solve(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const m = b[0]?.length ?? 0;
  const aa = a.map((r) => [...r]);
  const bb = b.map((r) => [...r]);
  const scale = Math.max(maxAbs(a), Number.MIN_VALUE);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(at(aa, r, col)) > Math.abs(at(aa, pivot, col))) pivot = r;
    if (Math.abs(at(aa, pivot, col)) <= 1e-14 * scale) throw new Error('solve: matrix is singular');
    [aa[col], aa[pivot]] = [aa[pivot] as number[], aa[col] as number[]];
    [bb[col], bb[pivot]] = [bb[pivot] as number[], bb[col] as number[]];
    const pRow = aa[col] as number[];
    const pB = bb[col] as number[];
    for (let r = col + 1; r < n; r++) {
      const f = at(aa, r, col) / (pRow[col] as number);
      if (f === 0) continue;
      const row = aa[r] as number[];
      const rowB = bb[r] as number[];
      for (let j = col; j < n; j++) row[j] = (row[j] as number) - f * (pRow[j] as number);
      for (let j = 0; j < m; j++) rowB[j] = (rowB[j] as number) - f * (pB[j] as number);
    }
  }
  const x = zeros(n, m);
  for (let r = n - 1; r >= 0; r--) {
    for (let j = 0; j < m; j++) {
      let s = at(bb, r, j);
      for (let k = r + 1; k < n; k++) s -= at(aa, r, k) * at(x, k, j);
      (x[r] as number[])[j] = s / at(aa, r, r);
    }
  }
  return x;
}

function at(m: Matrix, i: number, j: number): number {
  return (m[i] as number[])[j] as number;
}
