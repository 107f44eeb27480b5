import { Worker } from 'node:worker_threads';

type Rows = Record<string, unknown>[];

/**
 * The worker thread that decodes parquet pages, shared by every read in the process and started
 * on first use. Starting a thread and loading hyparquet into it costs about 0.2 s of CPU, more
 * than decoding a LeRobot v2 episode file: one thread per file made reading a 20-episode dataset
 * cost 4-5 s of CPU. Files are decoded one at a time; a file that does not finish within its
 * `seconds` stops the thread (a damaged page can make the decoder loop forever) and the next file
 * starts a fresh one. The thread is unref'd: it never keeps the process alive.
 */
class ParquetDecodeThread {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Threads started so far (tests check that reads share one). */
  starts = 0;

  decode(buffer: ArrayBuffer, columns: readonly string[], file: string, seconds: number): Promise<Rows> {
    const run = this.queue.then(() => this.decodeNow(buffer, columns, file, seconds));
    this.queue = run.catch(() => {});
    return run;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./parquet-decode-worker.mjs', import.meta.url));
    worker.unref();
    this.starts++;
    // A thread that dies between files (out of memory, terminated) is replaced by the next call.
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  private stop(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
  }

  private decodeNow(
    buffer: ArrayBuffer,
    columns: readonly string[],
    file: string,
    seconds: number,
  ): Promise<Rows> {
    const worker = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        done();
        this.stop(worker);
        reject(new Error(`${file}: decoding did not finish within ${seconds} s (a damaged file?)`));
      }, seconds * 1000);
      const onMessage = (m: { rows?: Rows; error?: string }) => {
        done();
        if (m.rows) resolve(m.rows);
        else reject(new Error(`${file}: not a readable parquet file: ${m.error}`));
      };
      const onError = (err: Error) => {
        done();
        this.stop(worker);
        reject(new Error(`${file}: not a readable parquet file: ${err.message}`, { cause: err }));
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`${file}: the parquet decoding thread exited (code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ buffer, columns: [...columns] }, [buffer]);
    });
  }
}

const shared = new ParquetDecodeThread();

/**
 * Decodes `columns` of the parquet file in `buffer` (transferred: it is unusable afterwards) on
 * the shared decode thread, within `seconds`. Errors name `file`.
 */
export function decodeParquetOffThread(
  buffer: ArrayBuffer,
  columns: readonly string[],
  file: string,
  seconds: number,
): Promise<Rows> {
  return shared.decode(buffer, columns, file, seconds);
}

/** How many decode threads this process has started (one, unless a decode timed out or crashed). */
export const parquetDecodeThreadStarts = (): number => shared.starts;
