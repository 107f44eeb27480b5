import type { Matrix } from './linalg.js';

/** A discrete-time transition `x_next = f(x, u)`. */
export type Transition = (x: readonly number[], u: readonly number[]) => ArrayLike<number>;

/**
 * The Jacobians `A = df/dx` and `B = df/du` at `(x0, u0)` by central differences with step
 * `epsilon` (absolute; states and controls are O(1) here).
 */
export function linearize(
  f: Transition,
  x0: readonly number[],
  u0: readonly number[],
  epsilon = 1e-6,
): { A: Matrix; B: Matrix } {
  const n = x0.length;
  const column = (perturb: (d: number) => [number[], number[]]) => {
    const [xp, up] = perturb(epsilon);
    const [xm, um] = perturb(-epsilon);
    const fp = f(xp, up);
    const fm = f(xm, um);
    if (fp.length !== n || fm.length !== n)
      throw new Error(`linearize: f returned ${fp.length} values, expected ${n}`);
    return Array.from({ length: n }, (_, i) => ((fp[i] as number) - (fm[i] as number)) / (2 * epsilon));
  };
  const aCols = x0.map((_, j) => column((d) => [x0.map((v, i) => (i === j ? v + d : v)), [...u0]]));
  const bCols = u0.map((_, j) => column((d) => [[...x0], u0.map((v, i) => (i === j ? v + d : v))]));
  const fromColumns = (cols: number[][], width: number): Matrix =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: width }, (_, j) => (cols[j] as number[])[i] as number),
    );
  return { A: fromColumns(aCols, x0.length), B: fromColumns(bCols, u0.length) };
}
