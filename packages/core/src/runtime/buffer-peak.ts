/**
 * Physical tensor memory: bytes of distinct data buffers, not of tensor handles.
 *
 * Why: tfjs' own `numBytes` (and the profiler's `peakBytes` built on it) adds a tensor's size for
 * every handle, and many handles share one buffer: a `reshape` result, a `clone` (the wasm
 * `Identity` kernel shares data here), and every tensor the gradient tape saves (tfjs keeps a
 * clone of each saved input/output). In a training step that roughly doubles the figure. This
 * module counts each buffer once, by following the engine's `trackTensor` / `disposeTensor`
 * calls (tfjs-core 4.22.0 internals, pinned) while a function runs.
 */
import * as tf from '@tensorflow/tfjs';

/** What we use of tfjs-core's `Engine` (4.22.0). */
interface EngineHooks {
  trackTensor(a: tf.Tensor, backend: unknown): void;
  disposeTensor(a: tf.Tensor): void;
  state: { tensorInfo: WeakMap<object, unknown> };
}

/** Result of `trackBufferPeak`. */
export interface BufferPeak<T> {
  result: T;
  /** Highest total bytes of data buffers created while `fn` ran and still alive at that moment. */
  peakNewBufferBytes: number;
  /** Bytes of buffers created by `fn` that are still alive when it returns (its result included). */
  newBufferBytes: number;
}

function bytesOf(t: tf.Tensor): number {
  if (t.dtype === 'string' || t.dtype === 'complex64') return 0;
  return t.size * (t.dtype === 'bool' ? 1 : 4);
}

let active = false;

/**
 * Runs `fn` and reports the peak of new distinct-buffer bytes (see the module comment), sampled
 * at every tensor creation and disposal. Buffers alive before `fn` started are not counted, and
 * freeing them does not lower the figure. Scratch memory inside a kernel is not seen. Not
 * re-entrant.
 */
export async function trackBufferPeak<T>(fn: () => T | Promise<T>): Promise<BufferPeak<T>> {
  if (active) throw new Error('trackBufferPeak: already measuring (not re-entrant)');
  const engine = tf.engine() as unknown as EngineHooks;
  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  const buffers = new Map<object, { bytes: number; handles: number }>();
  let live = 0;
  let peak = 0;
  engine.trackTensor = function (this: EngineHooks, a, backend) {
    const known = buffers.get(a.dataId);
    if (known) known.handles++;
    else if (!this.state.tensorInfo.has(a.dataId)) {
      const bytes = bytesOf(a);
      buffers.set(a.dataId, { bytes, handles: 1 });
      live += bytes;
      if (live > peak) peak = live;
    }
    track.call(this, a, backend);
  };
  engine.disposeTensor = function (this: EngineHooks, a) {
    const known = this.state.tensorInfo.has(a.dataId) ? buffers.get(a.dataId) : undefined;
    dispose.call(this, a);
    if (known && --known.handles === 0) {
      buffers.delete(a.dataId);
      live -= known.bytes;
    }
  };
  active = true;
  try {
    const result = await fn();
    return { result, peakNewBufferBytes: peak, newBufferBytes: live };
  } finally {
    engine.trackTensor = track;
    engine.disposeTensor = dispose;
    active = false;
  }
}
