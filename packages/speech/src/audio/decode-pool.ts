import { Worker } from 'node:worker_threads';
import {
  type CompressedFormat,
  decodeStream,
  type StreamOptions,
  type StreamResult,
} from './wasm-decode.mjs';

/**
 * Runs the wasm decoders in one worker thread. Each decode instantiates a fresh wasm decoder, and
 * V8 runs a full mark-compact of the instantiating thread's heap for each new wasm memory: in a
 * training process (tfjs, a large dataset in memory) that measured 40-260 ms per file on the main
 * thread against 2-5 ms of decoding, while the worker's heap stays small. Decoding there also
 * leaves the main thread to the training step.
 *
 * The worker is started on first use and unref'd while idle, so it never keeps a process alive.
 * If it cannot start or dies, requests fall back to decoding on the calling thread.
 * `PEFTKIT_AUDIO_WORKER=0` decodes on the calling thread always.
 */
class DecodePool {
  private worker: Worker | undefined;
  /** Set when the worker failed before answering anything: do not try again. */
  private unusable = false;
  private answered = false;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { format: CompressedFormat; bytes: Uint8Array; options: StreamOptions; resolve(r: StreamResult): void }
  >();

  decode(format: CompressedFormat, bytes: Uint8Array, options: StreamOptions): Promise<StreamResult> {
    const worker = this.workerOrUndefined();
    if (!worker) return decodeStream(format, bytes, options);
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { format, bytes, options, resolve });
      if (this.pending.size === 1) worker.ref();
      // Structured clone copies the bytes: the caller's buffer is not detached.
      worker.postMessage({ id, format, bytes, ...options });
    });
  }

  private workerOrUndefined(): Worker | undefined {
    if (this.worker || this.unusable || process.env['PEFTKIT_AUDIO_WORKER'] === '0') return this.worker;
    try {
      const worker = new Worker(new URL('./wasm-decode.mjs', import.meta.url), {
        workerData: { role: 'peftkit-audio-decoder' },
      });
      worker.unref();
      worker.on('message', (m: { id: number; result: StreamResult }) => this.answer(worker, m));
      worker.on('error', (err: Error) => this.lost(worker, err.message));
      worker.on('exit', (code: number) => this.lost(worker, `exit code ${code}`));
      this.worker = worker;
    } catch {
      this.unusable = true;
    }
    return this.worker;
  }

  private answer(worker: Worker, { id, result }: { id: number; result: StreamResult }): void {
    this.answered = true;
    const request = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) worker.unref();
    request?.resolve(result);
  }

  /** The worker is gone: decode what it held here, and start a new one next time. */
  private lost(worker: Worker, _why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (!this.answered) this.unusable = true;
    const requests = [...this.pending.values()];
    this.pending.clear();
    for (const r of requests) void decodeStream(r.format, r.bytes, r.options).then(r.resolve);
  }
}

const pool = new DecodePool();

/** Decodes compressed audio off the calling thread when a worker is available (see DecodePool). */
export function decodeInWorker(
  format: CompressedFormat,
  bytes: Uint8Array,
  options: StreamOptions,
): Promise<StreamResult> {
  return pool.decode(format, bytes, options);
}
