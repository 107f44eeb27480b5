import type { Prediction } from '../plugin/head.js';

/** Runs one forward pass over rows that may each name a different adapter. */
export type RunRows = (adapters: readonly string[], examples: readonly unknown[]) => Promise<Prediction[]>;

/** Options of `Batcher`. */
export interface BatcherOptions {
  /** How long the first request of a batch waits for others (ms). */
  readonly windowMs: number;
  /** Rows per forward pass at most; a batch closes early when it is full. */
  readonly maxBatch: number;
  /** Called with the row count of each forward pass (for metrics). */
  readonly onBatch?: (rows: number) => void;
}

interface Job {
  readonly adapters: readonly string[];
  readonly examples: readonly unknown[];
  readonly resolve: (p: Prediction[]) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Groups requests arriving within a short window into one forward pass, whatever adapters they
 * name (per-example routing does the rest). A request is never split: one larger than
 * `maxBatch` runs alone. When a grouped pass fails, each request in it runs again on its own,
 * so one bad request fails alone instead of taking its neighbours down.
 */
export class Batcher {
  private queue: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly runRows: RunRows,
    private readonly options: BatcherOptions,
  ) {}

  submit(adapters: readonly string[], examples: readonly unknown[]): Promise<Prediction[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ adapters, examples, resolve, reject });
      this.schedule();
    });
  }

  /** Runs what is queued now, without waiting for the window, and resolves when all of it ran. */
  async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length || this.running) {
      if (!this.running) await this.flush();
      else await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Rows waiting for a forward pass. */
  get pending(): number {
    return this.queue.reduce((n, j) => n + j.examples.length, 0);
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.pending >= this.options.maxBatch) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.windowMs);
  }

  private async flush(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const jobs = this.take();
      if (jobs.length) await this.runJobs(jobs);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private take(): Job[] {
    const jobs: Job[] = [];
    let rows = 0;
    while (this.queue.length) {
      const next = this.queue[0] as Job;
      if (jobs.length && rows + next.examples.length > this.options.maxBatch) break;
      jobs.push(next);
      rows += next.examples.length;
      this.queue.shift();
    }
    return jobs;
  }

  private async runJobs(jobs: readonly Job[]): Promise<void> {
    const adapters = jobs.flatMap((j) => j.adapters);
    const examples = jobs.flatMap((j) => j.examples);
    try {
      this.options.onBatch?.(examples.length);
      const predictions = await this.runRows(adapters, examples);
      let at = 0;
      for (const j of jobs) {
        j.resolve(predictions.slice(at, at + j.examples.length));
        at += j.examples.length;
      }
    } catch (err) {
      if (jobs.length === 1) {
        (jobs[0] as Job).reject(err);
        return;
      }
      for (const j of jobs) await this.runJobs([j]);
    }
  }
}
