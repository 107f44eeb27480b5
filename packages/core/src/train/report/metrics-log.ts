import * as fs from 'node:fs/promises';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { attachPath } from '../../io/storage-error.js';

/** One `metrics.jsonl` line per logging step: means over the steps since the previous line. */
export interface TrainRecord {
  type: 'train';
  step: number;
  /** Fractional epochs of data consumed. */
  epoch: number;
  loss: number;
  /** Learning rate of the first parameter group. */
  lr: number;
  gradNorm: number;
  itPerSec: number;
  elapsedSeconds: number;
  tensorBytes: number;
}

/** One `metrics.jsonl` line per evaluation. */
export interface EvalRecord {
  type: 'eval';
  step: number;
  epoch: number;
  /** `loss` (eval loss) and every metric; NaN is written as null. */
  metrics: Record<string, number | null>;
}

export type MetricsRecord = TrainRecord | EvalRecord;

/**
 * `metrics.jsonl`: appended one JSON object per line as training goes, so `tail -f` and partial
 * runs work; also kept in memory for `report.html`. Without a file it only keeps records.
 */
export class MetricsLog {
  readonly records: MetricsRecord[] = [];

  private constructor(private readonly file: string | undefined) {}

  /**
   * Opens the log. A fresh run starts an empty file. A resumed run (`keepUpToStep`) keeps the
   * lines up to the checkpoint's step and drops later ones, which the resumed run will log again.
   */
  static async open(file: string | undefined, keepUpToStep?: number): Promise<MetricsLog> {
    const log = new MetricsLog(file);
    if (!file) return log;
    if (keepUpToStep === undefined) {
      await writeFileAtomic(file, '');
      return log;
    }
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as MetricsRecord;
        if (typeof r.step === 'number' && r.step <= keepUpToStep) log.records.push(r);
      } catch {
        // A line cut short by a kill mid-append: drop it.
      }
    }
    await writeFileAtomic(file, log.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return log;
  }

  /** The records of a finished run's `metrics.jsonl` (a cut-short last line is skipped). */
  static async read(file: string): Promise<MetricsRecord[]> {
    const text = await fs.readFile(file, 'utf8');
    const out: MetricsRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as MetricsRecord);
      } catch {
        // A line cut short by a kill mid-append.
      }
    }
    return out;
  }

  async append(record: MetricsRecord): Promise<void> {
    this.records.push(record);
    if (!this.file) return;
    const file = this.file;
    await fs.appendFile(file, `${JSON.stringify(record)}\n`).catch((err: unknown) => {
      throw attachPath(err, file);
    });
  }
}
