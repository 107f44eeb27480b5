/**
 * Decides whether the wasm backend's matMul kernels run on onnxruntime's native GEMM: reads
 * PEFTKIT_NATIVE and PEFTKIT_THREADS, loads the binding, and feature-tests it (small products of
 * every kind the kernels send, checked against the wasm kernels). Any failure leaves matMul on wasm
 * and says why.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { installNative, nativeThreads, setNativeMatMulActive, uninstallNative } from './native-matmul.js';
import { loadOrtBinding } from './ort-binding.js';

/** Environment variable: `0` keeps matMul on wasm, `1` requires the native path, unset = automatic. */
export const NATIVE_ENV_VAR = 'PEFTKIT_NATIVE';
/** Environment variable: intra-op threads of the native GEMM (default: the number of cores, at most 8). */
export const THREADS_ENV_VAR = 'PEFTKIT_THREADS';

/** Which path the wasm backend's matMul kernels take, and why. */
export interface NativeMatMulReport {
  /** True when BatchMatMul/_FusedMatMul run on onnxruntime-node's GEMM. */
  enabled: boolean;
  /** Intra-op threads of the native GEMM (0 when not enabled). */
  threads: number;
  /** The onnxruntime-node version in use, or null. */
  onnxruntimeVersion: string | null;
  /** Why the path was or was not taken, e.g. 'PEFTKIT_NATIVE=0' or 'onnxruntime-node is not installed'. */
  reason: string;
}

/** Relative tolerance of the feature test: `|native - wasm| <= tol * max(1, |wasm|)`. */
const FEATURE_TOLERANCE = 1e-4;

/** [a shape, b shape, transposeA, transposeB]: the kinds of product the kernels send natively. */
const FEATURE_CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 3], false, false],
  [[7, 5], [3, 7], true, true],
  [[2, 5, 7], [7, 3], false, false],
  [[2, 5, 7], [3, 7], false, true],
  [[3, 7, 5], [3, 7, 4], true, false],
  [[2, 3, 5, 7], [3, 4, 7], false, true],
];

function envMode(env: NodeJS.ProcessEnv): 'off' | 'auto' | 'required' {
  const raw = env[NATIVE_ENV_VAR]?.trim() ?? '';
  if (raw === '') return 'auto';
  if (raw === '0') return 'off';
  if (raw === '1') return 'required';
  throw new Error(`${NATIVE_ENV_VAR}='${raw}' is not valid; use 0 (wasm matMul) or 1 (require native)`);
}

/**
 * Default thread cap. The products of a PEFT step are small (hundreds of rows by a few hundred
 * columns), so more threads mostly add wake-up cost; only 1 and 2 threads were measured here.
 */
const DEFAULT_MAX_THREADS = 8;

/** Intra-op threads: PEFTKIT_THREADS, else the cores the process may use (at most 8). */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[THREADS_ENV_VAR]?.trim() ?? '';
  if (raw === '') return Math.max(1, Math.min(DEFAULT_MAX_THREADS, availableParallelism()));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new Error(`${THREADS_ENV_VAR}='${raw}' is not valid; expected a whole number from 1 to 256`);
  }
  return n;
}

function message(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}

function filled(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, (_, i) => Math.sin(seed + i * 0.7)),
    shape,
  );
}

/** Largest relative difference between native and wasm over the feature cases (throws on errors). */
function featureTest(): number {
  let worst = 0;
  const compare = (run: () => tf.Tensor) =>
    tf.tidy(() => {
      setNativeMatMulActive(true);
      const native = run().dataSync();
      setNativeMatMulActive(false);
      const wasm = run().dataSync();
      if (native.length !== wasm.length) throw new Error(`size ${native.length} != ${wasm.length}`);
      wasm.forEach((w, j) => {
        const d = Math.abs((native[j] as number) - w) / Math.max(1, Math.abs(w));
        worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
      });
    });
  FEATURE_CASES.forEach(([sa, sb, tA, tB], i) => {
    compare(() => tf.matMul(filled(sa, i), filled(sb, 10 + i), tA, tB));
  });
  // The elementwise kernels that also run natively (runtime/kernels/unary-native-wasm.ts), on
  // enough elements to take the native path.
  compare(() => tf.erf(tf.mul(filled([2048], 20), 3)));
  compare(() => tf.exp(tf.mul(filled([2048], 21), 10)));
  return worst;
}

/**
 * Enables the native matMul path on the active wasm backend when PEFTKIT_NATIVE allows it and the
 * feature test passes; otherwise leaves wasm matMul in place. Call with wasm active (initBackend
 * does). Throws only for invalid env values, or when PEFTKIT_NATIVE=1 and the path is unavailable.
 */
export function enableNativeMatMul(env: NodeJS.ProcessEnv = process.env): NativeMatMulReport {
  const mode = envMode(env);
  const threads = threadsFromEnv(env);
  uninstallNative();
  const fallback = (reason: string): NativeMatMulReport => {
    uninstallNative();
    if (mode === 'required') {
      throw new Error(`${NATIVE_ENV_VAR}=1 requires native matMul, which is unavailable: ${reason}`);
    }
    return { enabled: false, threads: 0, onnxruntimeVersion: null, reason };
  };
  if (mode === 'off') return fallback(`${NATIVE_ENV_VAR}=0`);
  if (tf.getBackend() !== 'wasm') return fallback(`backend is ${tf.getBackend()}, not wasm`);
  let version: string;
  try {
    const ort = loadOrtBinding();
    version = ort.version;
    installNative(ort, threads);
  } catch (err) {
    return fallback(message(err));
  }
  try {
    const worst = featureTest();
    if (!(worst <= FEATURE_TOLERANCE)) {
      return fallback(`feature test: native differs from wasm by ${worst.toExponential(2)} (relative)`);
    }
  } catch (err) {
    return fallback(`feature test failed: ${message(err)}`);
  }
  setNativeMatMulActive(true);
  return {
    enabled: true,
    threads: nativeThreads(),
    onnxruntimeVersion: version,
    reason: `onnxruntime-node ${version} loaded and matched wasm on ${FEATURE_CASES.length} products, Erf and Exp`,
  };
}
