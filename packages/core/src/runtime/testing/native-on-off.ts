import * as tf from '@tensorflow/tfjs';
import { setNativeMatMulActive } from '../native/native-matmul.js';

/**
 * `fn`'s outputs with the native kernel path on, then off (off: the stock wasm kernels), leaving
 * it on. For tests comparing the two paths on the wasm backend with native enabled.
 */
export function onAndOff(fn: () => tf.Tensor[]): { native: Float32Array[]; wasm: Float32Array[] } {
  const run = (on: boolean) => {
    setNativeMatMulActive(on);
    try {
      return tf.tidy(() => fn().map((t) => Float32Array.from(t.dataSync())));
    } finally {
      setNativeMatMulActive(true);
    }
  };
  return { native: run(true), wasm: run(false) };
}
