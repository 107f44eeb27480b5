/**
 * A box in R^n, as Gymnasium's `Box`: per-dimension `low`/`high` bounds (possibly infinite) and
 * a shape. Environments describe their observations and actions with it.
 *
 * @example
 * const actions = new BoxSpace([-1, -1], [1, 1]);
 * actions.clip([3, -0.5]); // Float64Array [1, -0.5]
 */
export class BoxSpace {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];

  constructor(low: ArrayLike<number>, high: ArrayLike<number>) {
    if (low.length !== high.length) {
      throw new Error(`BoxSpace: low has ${low.length} dims but high has ${high.length}`);
    }
    for (let i = 0; i < low.length; i++) {
      const lo = low[i] as number;
      const hi = high[i] as number;
      if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
        throw new Error(`BoxSpace: dim ${i} needs low <= high, got [${lo}, ${hi}]`);
      }
    }
    this.low = Float64Array.from(low);
    this.high = Float64Array.from(high);
    this.shape = Object.freeze([low.length]);
  }

  /** Number of dimensions. */
  get size(): number {
    return this.low.length;
  }

  /** Whether `x` has the right length and every value lies inside the bounds. */
  contains(x: ArrayLike<number>): boolean {
    if (x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (!(v >= (this.low[i] as number) && v <= (this.high[i] as number))) return false;
    }
    return true;
  }

  /**
   * A copy of `x` with each value clamped into its bounds. Throws, naming `what` and the
   * dimension, on a wrong length or a NaN (clamping cannot give NaN a meaning).
   */
  clip(x: ArrayLike<number>, what = 'action'): Float64Array {
    if (x.length !== this.size) throw new Error(`${what} has ${x.length} values, expected ${this.size}`);
    const out = new Float64Array(this.size);
    for (let i = 0; i < out.length; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v)) throw new Error(`${what}[${i}] is NaN`);
      out[i] = Math.min(this.high[i] as number, Math.max(this.low[i] as number, v));
    }
    return out;
  }
}
