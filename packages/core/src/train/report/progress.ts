import { formatDuration, formatNumber } from './format.js';

/** What the trainer reports after every optimizer step. */
export interface ProgressUpdate {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
}

/** Receives training progress; `fit` accepts any implementation. */
export interface ProgressReporter {
  start(info: { startStep: number; totalSteps: number | undefined }): void;
  step(update: ProgressUpdate): void;
  /** A message line (evaluation results, checkpoints, warnings). */
  log(line: string): void;
  end(): void;
}

/** The part of a stream the reporters use (`process.stderr` by default). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** 'auto' picks 'bar' on a TTY and 'plain' otherwise. */
  mode?: 'auto' | 'bar' | 'plain' | 'none';
  /** Default `process.stderr`: stdout stays clean for `--json` output. */
  stream?: ProgressStream;
  /** Plain mode prints every `logEvery` steps (and the last one). */
  logEvery?: number;
  /** Milliseconds clock (tests inject one). */
  now?: () => number;
  /** Minimum milliseconds between bar redraws (default 100). */
  redrawMs?: number;
}

/**
 * A progress reporter: on a TTY a single redrawn line
 * `[=====>    ] 120/500 24% | loss 0.4321 | lr 2e-4 | 3.41 it/s | ETA 1m52s`; elsewhere (CI, files)
 * plain lines every `logEvery` steps. Rates count only this session's steps, so a resumed run's
 * ETA is not distorted by the steps it skipped.
 *
 * @example
 * const reporter = createProgressReporter({ mode: 'auto', logEvery: 20 });
 */
export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const mode =
    options.mode === undefined || options.mode === 'auto' ? (stream.isTTY ? 'bar' : 'plain') : options.mode;
  if (mode === 'none') return { start() {}, step() {}, log() {}, end() {} };
  return new TextProgress(
    stream,
    mode,
    options.logEvery ?? 10,
    options.now ?? (() => performance.now()),
    options.redrawMs ?? 100,
  );
}

class TextProgress implements ProgressReporter {
  private startStep = 0;
  private total: number | undefined;
  private startedAt = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastLine = '';
  private barVisible = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly mode: 'bar' | 'plain',
    private readonly logEvery: number,
    private readonly now: () => number,
    private readonly redrawMs: number,
  ) {}

  start(info: { startStep: number; totalSteps: number | undefined }): void {
    this.startStep = info.startStep;
    this.total = info.totalSteps;
    this.startedAt = this.now();
    if (info.startStep > 0) this.log(`resuming at step ${info.startStep}`);
  }

  step(u: ProgressUpdate): void {
    const t = this.now();
    const done = u.step - this.startStep;
    const rate = done / Math.max(1e-9, (t - this.startedAt) / 1000);
    const isLast = this.total !== undefined && u.step >= this.total;
    const eta = this.total !== undefined && rate > 0 ? (this.total - u.step) / rate : Number.NaN;
    const stats = `loss ${formatNumber(u.loss)} | lr ${formatNumber(u.lr)} | ${rate.toFixed(2)} it/s`;
    if (this.mode === 'plain') {
      if (u.step % this.logEvery !== 0 && !isLast) return;
      const of = this.total !== undefined ? `/${this.total}` : '';
      const etaText = Number.isNaN(eta) ? '' : ` | ETA ${formatDuration(eta)}`;
      this.stream.write(`step ${u.step}${of} | epoch ${u.epoch.toFixed(2)} | ${stats}${etaText}\n`);
      return;
    }
    if (!isLast && t - this.lastDraw < this.redrawMs) return;
    this.lastDraw = t;
    this.lastLine = this.barLine(u.step, stats, eta);
    this.draw();
  }

  log(line: string): void {
    if (this.mode === 'bar' && this.barVisible) {
      this.stream.write(`\r\x1b[K${line}\n`);
      this.draw();
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  end(): void {
    if (this.mode === 'bar' && this.barVisible) this.stream.write('\n');
    this.barVisible = false;
  }

  private barLine(step: number, stats: string, eta: number): string {
    if (this.total === undefined) return `${step} steps | ${stats}`;
    const frac = Math.min(1, step / Math.max(1, this.total));
    const width = 24;
    const filled = Math.round(frac * width);
    const bar =
      `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === width ? '=' : '>') : ''}`.padEnd(
        width,
      );
    const etaText = Number.isNaN(eta) ? '' : ` | ETA ${formatDuration(eta)}`;
    return `[${bar}] ${step}/${this.total} ${Math.floor(frac * 100)}% | ${stats}${etaText}`;
  }

  private draw(): void {
    if (!this.lastLine) return;
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r\x1b[K${this.lastLine.slice(0, Math.max(20, cols - 1))}`);
    this.barVisible = true;
  }
}
