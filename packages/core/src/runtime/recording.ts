import * as tf from '@tensorflow/tfjs';

/** What we use of tfjs-core's `Engine` (4.22.0). */
interface EngineState {
  state: { gradientDepth: number; kernelDepth: number };
}

/**
 * True while a gradient tape records the ops being run (inside `valueAndGrads` / `tf.grads`, and
 * not inside a kernel or custom-gradient forward). Memory-saving ops use it to skip their custom
 * gradient bookkeeping when no gradient will be taken.
 */
export function isTapeRecording(): boolean {
  const { state } = tf.engine() as unknown as EngineState;
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}
