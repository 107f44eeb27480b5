/**
 * Limits how many async tasks run at once. `run` queues the task and resolves with its result;
 * tasks start in call order as slots free up.
 *
 * @example
 * const limit = new ConcurrencyLimit(4);
 * const images = await Promise.all(paths.map((p) => limit.run(() => decodeImage(p))));
 */
export class ConcurrencyLimit {
  readonly max: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max <= 0) {
      throw new Error(`ConcurrencyLimit: max must be a positive integer, got ${max}`);
    }
    this.max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * `Promise.all(items.map(fn))` with at most `concurrency` calls of `fn` in flight; results keep
 * the order of `items`.
 */
export function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limit = new ConcurrencyLimit(concurrency);
  return Promise.all(items.map((item, i) => limit.run(() => fn(item, i))));
}
