/**
 * Shared memory of a data-parallel group: one gradient slot per rank, the trainable weights rank 0
 * broadcasts, and the flags the ranks signal with. Every rank attaches to the same
 * `SharedArrayBuffer`s, so gradients and weights cross threads without a copy per message.
 */

/** The trainable parameters in a fixed order: what each slot holds. */
export interface ExchangeLayout {
  readonly names: readonly string[];
  /** Element count of each parameter (float32). */
  readonly sizes: readonly number[];
  /** Ranks in the group (rank 0 is the main thread). */
  readonly ranks: number;
}

/** The buffers a worker attaches to (structured-clone safe). */
export interface ExchangeBuffers {
  readonly grads: SharedArrayBuffer;
  readonly weights: SharedArrayBuffer;
  readonly present: SharedArrayBuffer;
  /** Per rank: weighted loss and weight (float64). */
  readonly losses: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
}

/** Host arrays of one rank's gradients, by parameter name; a parameter the loss does not touch is absent. */
export type HostGradients = ReadonlyMap<string, ArrayLike<number>>;

/** The reduced (global-batch mean) gradients and loss. */
export interface ReducedGradients {
  /** One array per parameter in layout order; `null` where no rank had a gradient. */
  readonly grads: readonly (Float32Array | null)[];
  readonly loss: number;
}

/** `Atomics.waitAsync` (Node 16+; typed only in TypeScript's ES2024 lib). */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Index of the weights version in the control array; the per-rank step flags come first. */
const versionIndex = (ranks: number) => ranks;

/**
 * The gradient all-reduce and weight broadcast of a data-parallel group, over shared memory.
 * A rank writes `shardSize * gradient` into its own slot and raises its step flag (`Atomics`);
 * rank 0 waits for the flags, sums the slots in rank order and divides by the global batch size,
 * which equals the gradient of the mean loss over the whole batch.
 */
export class GradientExchange {
  private readonly offsets: number[] = [];
  private readonly total: number;
  private readonly index = new Map<string, number>();
  private readonly grads: Float32Array;
  private readonly weights: Float32Array;
  private readonly present: Int32Array;
  private readonly losses: Float64Array;
  private readonly control: Int32Array;

  private constructor(
    readonly layout: ExchangeLayout,
    readonly buffers: ExchangeBuffers,
  ) {
    let at = 0;
    layout.names.forEach((name, i) => {
      this.offsets.push(at);
      this.index.set(name, i);
      at += layout.sizes[i] as number;
    });
    this.total = at;
    this.grads = new Float32Array(buffers.grads);
    this.weights = new Float32Array(buffers.weights);
    this.present = new Int32Array(buffers.present);
    this.losses = new Float64Array(buffers.losses);
    this.control = new Int32Array(buffers.control);
    if (this.grads.length !== at * layout.ranks || this.weights.length !== at) {
      throw new Error('GradientExchange: the buffers do not match the layout');
    }
  }

  /** Allocates the shared buffers for `layout` (rank 0). */
  static create(layout: ExchangeLayout): GradientExchange {
    if (layout.names.length !== layout.sizes.length) throw new Error('GradientExchange: names/sizes differ');
    const total = layout.sizes.reduce((a, b) => a + b, 0);
    const n = layout.names.length;
    return new GradientExchange(layout, {
      grads: new SharedArrayBuffer(4 * total * layout.ranks),
      weights: new SharedArrayBuffer(4 * total),
      present: new SharedArrayBuffer(4 * n * layout.ranks),
      losses: new SharedArrayBuffer(16 * layout.ranks),
      control: new SharedArrayBuffer(4 * (layout.ranks + 1)),
    });
  }

  /** Attaches to buffers another rank created. */
  static attach(layout: ExchangeLayout, buffers: ExchangeBuffers): GradientExchange {
    return new GradientExchange(layout, buffers);
  }

  /** Float count of all trainable parameters. */
  get size(): number {
    return this.total;
  }

  /**
   * Writes `rank`'s gradients and loss into its slot with their weight (the shard size). The
   * values are copied as they are; `reduce` applies the weights in its one pass over the slots.
   */
  writeGradients(rank: number, grads: HostGradients, weight: number, loss: number): void {
    const n = this.layout.names.length;
    this.present.fill(0, rank * n, (rank + 1) * n);
    for (const [name, g] of grads) {
      const i = this.index.get(name);
      if (i === undefined)
        throw new Error(`GradientExchange: '${name}' is not a trainable parameter of the group`);
      const size = this.layout.sizes[i] as number;
      if (g.length !== size)
        throw new Error(`GradientExchange: '${name}' has ${g.length} values, expected ${size}`);
      this.grads.set(g, rank * this.total + (this.offsets[i] as number));
      this.present[rank * n + i] = 1;
    }
    this.losses[2 * rank] = weight * loss;
    this.losses[2 * rank + 1] = weight;
  }

  /** Marks `rank`'s gradients for step `step` as written and wakes rank 0. */
  signalDone(rank: number, step: number): void {
    Atomics.store(this.control, rank, step);
    Atomics.notify(this.control, rank);
  }

  /** The step `rank` last finished. */
  doneStep(rank: number): number {
    return Atomics.load(this.control, rank);
  }

  /** Wakes every `waitDone` so it re-checks its `cancelled` condition. */
  wakeAll(): void {
    for (let r = 0; r < this.layout.ranks; r++) Atomics.notify(this.control, r);
  }

  /**
   * Resolves when `rank` has finished `step`, or with `false` after `timeoutMs` or once
   * `cancelled()` holds (checked on every wake-up; see `wakeAll`). Waits without
   * blocking the event loop (`Atomics.waitAsync`), so signals and worker errors are still handled.
   */
  async waitDone(rank: number, step: number, timeoutMs: number, cancelled = () => false): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.control, rank);
      if (seen === step) return true;
      if (cancelled()) return false;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const r = waitAsync(this.control, rank, seen, left);
      if (r.async) await r.value;
    }
  }

  /**
   * The weighted mean of the slots of `ranks` (in rank order): `sum_r (w_r / W) g_r` with `w_r` the
   * weight each rank wrote and `W = totalWeight`. With shard sizes as weights this is the gradient
   * (and loss) of the global batch's mean loss. A parameter no rank has a gradient for is `null`.
   */
  reduce(ranks: readonly number[], totalWeight: number): ReducedGradients {
    const n = this.layout.names.length;
    const out: (Float32Array | null)[] = [];
    let loss = 0;
    for (const r of ranks) loss += this.losses[2 * r] as number;
    for (let i = 0; i < n; i++) {
      const size = this.layout.sizes[i] as number;
      const off = this.offsets[i] as number;
      let sum: Float32Array | null = null;
      for (const r of ranks) {
        if (this.present[r * n + i] !== 1) continue;
        const a = (this.losses[2 * r + 1] as number) / totalWeight;
        const slot = this.grads.subarray(r * this.total + off, r * this.total + off + size);
        if (sum === null) {
          sum = new Float32Array(size);
          for (let k = 0; k < size; k++) sum[k] = a * (slot[k] as number);
        } else for (let k = 0; k < size; k++) sum[k] = (sum[k] as number) + a * (slot[k] as number);
      }
      out.push(sum);
    }
    return { grads: out, loss: loss / totalWeight };
  }

  /** Rank 0: publishes the trainable weights (layout order) under a new version; returns it. */
  publishWeights(values: readonly ArrayLike<number>[]): number {
    values.forEach((v, i) => {
      const size = this.layout.sizes[i] as number;
      if (v.length !== size)
        throw new Error(
          `GradientExchange: weights of '${this.layout.names[i]}' have ${v.length} values, expected ${size}`,
        );
      this.weights.set(v, this.offsets[i] as number);
    });
    // The store publishes the plain writes above to any rank that loads the new version.
    return Atomics.add(this.control, versionIndex(this.layout.ranks), 1) + 1;
  }

  /** The latest published weights version. */
  weightsVersion(): number {
    return Atomics.load(this.control, versionIndex(this.layout.ranks));
  }

  /** A view of parameter `i`'s published weights (valid until the next publish). */
  weightsOf(i: number): Float32Array {
    const off = this.offsets[i] as number;
    return this.weights.subarray(off, off + (this.layout.sizes[i] as number));
  }
}
