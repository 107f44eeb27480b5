import { nativeMatMulActive, setNativeMatMulActive, setNativeMatMulThreads } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** One plain 2-D product's throughput on one path. */
export interface GemmPoint {
  path: 'wasm' | 'native';
  threads: number;
  m: number;
  k: number;
  n: number;
  gflops: number;
}

function time(m: number, k: number, n: number, reps: number): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  tf.matMul(a, b).dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) tf.matMul(a, b).dispose();
  const ms = (performance.now() - t0) / reps;
  tf.dispose([a, b]);
  return (2 * m * k * n) / (ms / 1000) / 1e9;
}

/**
 * GFLOP/s of the reference model's largest products (1024x256x1024: a 256->1024 Linear on 16x64
 * tokens) and of 1024^3, on wasm and on the native GEMM with 1 and `threads` threads: the
 * physical ceiling a training step can approach.
 */
export function gemmCeiling(threads: number, quick: boolean): GemmPoint[] {
  const shapes: [number, number, number][] = quick
    ? [[256, 256, 256]]
    : [
        [1024, 256, 1024],
        [1024, 1024, 1024],
      ];
  const reps = quick ? 5 : 10;
  const hadNative = nativeMatMulActive();
  const points: GemmPoint[] = [];
  const runs: { path: 'wasm' | 'native'; threads: number }[] = [{ path: 'wasm', threads: 1 }];
  if (hadNative) {
    runs.push({ path: 'native', threads: 1 });
    if (threads > 1) runs.push({ path: 'native', threads });
  }
  const before = setNativeMatMulThreads(threads);
  try {
    for (const run of runs) {
      setNativeMatMulActive(run.path === 'native');
      if (run.path === 'native') setNativeMatMulThreads(run.threads);
      for (const [m, k, n] of shapes) points.push({ ...run, m, k, n, gflops: time(m, k, n, reps) });
    }
  } finally {
    setNativeMatMulActive(hadNative);
    if (before > 0) setNativeMatMulThreads(before);
  }
  return points;
}
