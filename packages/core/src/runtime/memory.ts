/**
 * Tensor memory accounting: snapshots, peak measurement and leak assertions for tests. tfjs frees
 * nothing by garbage collection, so every training-loop piece must leave the tensor count where it
 * found it; these helpers make that checkable.
 */
import * as tf from '@tensorflow/tfjs';
import { trackBufferPeak } from './buffer-peak.js';

/** tfjs engine memory counters at one moment. */
export interface MemorySnapshot {
  label: string;
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
}

/** Current tensor count, bytes and data buffers, tagged with `label`. */
export function memorySnapshot(label = ''): MemorySnapshot {
  const m = tf.memory();
  return { label, numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
}

/** Result of `measurePeak`. */
export interface PeakMeasurement<T> {
  result: T;
  /** Highest total tensor bytes alive while `fn` ran (tfjs' profiler figure, so pre-existing tensors count). */
  peakBytes: number;
  /** `peakBytes` minus the bytes alive when `fn` started: what `fn` itself needed at its worst. */
  peakNewBytes: number;
  /** Bytes still allocated after `fn` compared with before (its result included). */
  newBytes: number;
  /**
   * Peak bytes of distinct data buffers `fn` created (see `trackBufferPeak`): the physical memory,
   * where `peakNewBytes` counts a buffer once per tensor handle (reshapes, clones, tape copies).
   */
  peakNewBufferBytes: number;
  /** Tensors still allocated after `fn` compared with before (its result included). */
  newTensors: number;
}

/**
 * Runs `fn` under `tf.profile` and reports the peak tensor memory. The profiler samples after each
 * kernel, so scratch memory inside a single kernel is not seen. Profiling reads every kernel's
 * output back, so keep this out of timed code.
 */
export async function measurePeak<T>(fn: () => T | Promise<T>): Promise<PeakMeasurement<T>> {
  const startBytes = tf.memory().numBytes;
  let result: T | undefined;
  let produced = false;
  let peakNewBufferBytes = 0;
  const info = await tf.profile(async () => {
    const buffers = await trackBufferPeak(fn);
    result = buffers.result;
    peakNewBufferBytes = buffers.peakNewBufferBytes;
    produced = true;
    // tf.profile wants a tensor-ish return; the real result is kept in the closure.
    return [];
  });
  if (!produced) throw new Error('measurePeak: fn did not complete');
  const endBytes = tf.memory().numBytes;
  // With no kernels run, tfjs reports -Infinity.
  const peakBytes = Math.max(Number.isFinite(info.peakBytes) ? info.peakBytes : 0, startBytes, endBytes);
  return {
    result: result as T,
    peakBytes,
    peakNewBytes: peakBytes - startBytes,
    newBytes: info.newBytes,
    newTensors: info.newTensors,
    peakNewBufferBytes,
  };
}

/**
 * Throws if `after` holds more tensors than `before`, naming `context`, the delta and the bytes.
 * `tolerance` extra tensors are allowed (for deliberate caches).
 */
export function assertNoTensorLeak(
  before: MemorySnapshot,
  after: MemorySnapshot,
  context: string,
  tolerance = 0,
): void {
  const delta = after.numTensors - before.numTensors;
  if (delta > tolerance) {
    const bytes = after.numBytes - before.numBytes;
    throw new Error(
      `${context}: tensor leak of ${delta} tensor(s) (${before.numTensors} -> ${after.numTensors}, ` +
        `${bytes >= 0 ? '+' : ''}${bytes} bytes${tolerance > 0 ? `, tolerance ${tolerance}` : ''})`,
    );
  }
}

/** Options for `expectNoLeak`. */
export interface NoLeakOptions {
  /** Measured repetitions after one warm-up run. Default 3. */
  iterations?: number;
  /** Extra tensors allowed over all iterations. Default 0. */
  tolerance?: number;
  /** Name used in the error message. */
  context?: string;
}

/**
 * Runs `fn` once to warm up (first calls may create lasting state, e.g. optimizer slots), then
 * `iterations` more times, and throws if the tensor count grew. Returns the measured delta.
 */
export async function expectNoLeak(fn: () => unknown, options: NoLeakOptions = {}): Promise<number> {
  const { iterations = 3, tolerance = 0, context = 'expectNoLeak' } = options;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new Error(`expectNoLeak: iterations must be a positive integer, got ${iterations}`);
  }
  await fn();
  const before = memorySnapshot(`${context}: before`);
  for (let i = 0; i < iterations; i++) await fn();
  const after = memorySnapshot(`${context}: after`);
  assertNoTensorLeak(before, after, `${context} (${iterations} iteration(s))`, tolerance);
  return after.numTensors - before.numTensors;
}
