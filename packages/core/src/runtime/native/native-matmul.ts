/**
 * Runs matMul products of the wasm backend on onnxruntime's native GEMM (MLAS), synchronously, on
 * views of the wasm heap: no copies in or out. Rank-2 products (and a batch times a shared matrix,
 * folded into rows) are one `Gemm` node with transA/transB; other batched products are one
 * `com.microsoft:FusedMatMul` node (batched, numpy-broadcast, with transpose flags). One session
 * per signature (op, ranks, flags, bias, threads), every dimension symbolic, so a handful of
 * sessions serve every shape.
 *
 * The state is process-wide and only set by `enableNativeMatMul` after a feature test passes.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { type KernelIo, sizeOf } from '../kernels/kernel-io.js';
import { oneNodeModel } from './onnx-model.js';
import type { OrtBinding, OrtNativeSession, OrtTensorLike } from './ort-binding.js';

interface NativeState {
  ort: OrtBinding;
  threads: number;
  sessions: Map<string, OrtNativeSession>;
}

let state: NativeState | undefined;
let active = false;

/** Installs a loaded binding (not yet active) with the intra-op thread count to use. */
export function installNative(ort: OrtBinding, threads: number): void {
  uninstallNative();
  state = { ort, threads, sessions: new Map() };
}

/** Drops the binding and its sessions; matMul goes back to wasm. */
export function uninstallNative(): void {
  if (state !== undefined) for (const s of state.sessions.values()) s.dispose();
  state = undefined;
  active = false;
}

/** True when wasm matMul kernels currently run on the native GEMM. */
export function nativeMatMulActive(): boolean {
  return active && state !== undefined;
}

/**
 * Turns the native path on or off after `initBackend` enabled it (to compare against wasm in tests
 * and benchmarks). Returns the previous setting. Turning it on when it was never enabled is a no-op
 * that returns false.
 */
export function setNativeMatMulActive(on: boolean): boolean {
  const previous = nativeMatMulActive();
  active = on && state !== undefined;
  return previous;
}

/**
 * Changes the intra-op thread count of the native GEMM (sessions are rebuilt on next use); a no-op
 * returning 0 when the native path was never enabled. Returns the previous count.
 */
export function setNativeMatMulThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`setNativeMatMulThreads: threads must be a positive integer, got ${threads}`);
  }
  const s = state;
  if (s === undefined) return 0;
  const previous = s.threads;
  if (threads !== previous) {
    for (const session of s.sessions.values()) session.dispose();
    s.sessions.clear();
    s.threads = threads;
  }
  return previous;
}

/** Intra-op threads of the native sessions (0 when not installed). */
export function nativeThreads(): number {
  return state?.threads ?? 0;
}

interface Signature {
  op: 'Gemm' | 'FusedMatMul';
  rankA: number;
  rankB: number;
  tA: boolean;
  tB: boolean;
  bias: boolean;
}

/** The cached session under `key` (the thread count is added to it), built from `model` on first use. */
function cachedSession(s: NativeState, key: string, model: () => Uint8Array): OrtNativeSession {
  const fullKey = `${key}|${s.threads}`;
  const cached = s.sessions.get(fullKey);
  if (cached !== undefined) return cached;
  const bytes = model();
  const created = s.ort.createSession();
  created.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: s.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'disabled',
    logSeverityLevel: 3,
    // With spinning on, idle pool threads busy-wait between products and, on a machine with as
    // many threads as cores, steal time from the main thread's other kernels (measured slower).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  s.sessions.set(fullKey, created);
  return created;
}

/**
 * The native session of a one-node float32 graph `Y = opType(X)` (rank 1, symbolic length), or
 * undefined when the native path is off. For the elementwise kernels in `native-unary.ts`.
 */
export function nativeUnarySession(opType: string): OrtNativeSession | undefined {
  const s = state;
  if (!active || s === undefined) return undefined;
  return cachedSession(s, `unary|${opType}`, () =>
    oneNodeModel({
      opType,
      domain: '',
      inputs: [{ name: 'X', rank: 1 }],
      output: { name: 'Y', rank: 1 },
      intAttrs: {},
    }),
  );
}

function session(s: NativeState, sig: Signature): OrtNativeSession {
  const key = `${sig.op}|${sig.rankA}|${sig.rankB}|${sig.tA}|${sig.tB}|${sig.bias}`;
  return cachedSession(s, key, () => matMulModel(sig));
}

function matMulModel(sig: Signature): Uint8Array {
  const inputs = [
    { name: 'A', rank: sig.rankA },
    { name: 'B', rank: sig.rankB },
    ...(sig.bias ? [{ name: 'C', rank: 1 }] : []),
  ];
  return oneNodeModel({
    opType: sig.op,
    domain: sig.op === 'Gemm' ? '' : 'com.microsoft',
    inputs,
    output: { name: 'Y', rank: sig.op === 'Gemm' ? 2 : Math.max(sig.rankA, sig.rankB) },
    intAttrs: { transA: sig.tA ? 1 : 0, transB: sig.tB ? 1 : 0 },
  });
}

function tensor(data: Float32Array, dims: number[]): OrtTensorLike {
  return { location: 'cpu', type: 'float32', dims, data };
}

function asFloat32(v: unknown, what: string): Float32Array {
  if (!(v instanceof Float32Array)) throw new Error(`native matMul: ${what} is not float32 data`);
  return v;
}

/** A product to run: operands as the kernel received them, and an optional 1-D bias of size n. */
export interface NativeProduct {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias?: TensorInfo;
}

/**
 * op(a) @ op(b) (+ bias) on the native GEMM into a new tensor, or undefined when the native path is
 * off or the product is not one it takes (non-float32, rank < 2, mismatched or empty sizes, a bias
 * on a batched product); the caller then runs its wasm kernel.
 */
export function runNativeMatMul(io: KernelIo, p: NativeProduct): TensorInfo | undefined {
  const s = state;
  if (!active || s === undefined || io.backendName !== 'wasm') return undefined;
  const { a, b, transposeA: tA, transposeB: tB, bias } = p;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return undefined;
  if (bias !== undefined && bias.dtype !== 'float32') return undefined;
  const m = (tA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const k = (tA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
  const kb = (tB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const n = (tB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  if (k !== kb || m * k * n === 0) return undefined;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  // Rows of a batched `a` fold into one 2-D product when b is shared and a is not transposed.
  const gemm = batchB === 1 && (batchA === 1 || !tA);
  if (bias !== undefined && (!gemm || sizeOf(bias.shape) !== n)) return undefined;

  const out = io.alloc([...outBatch, m, n], 'float32', false);
  // Views only now: the allocation above may have grown (and so detached) the wasm heap.
  const av = asFloat32(io.view(a), 'a');
  const bv = asFloat32(io.view(b), 'b');
  const yv = asFloat32(io.view(out), 'output');
  const feeds: Record<string, OrtTensorLike> = {};
  let yDims: number[];
  if (gemm) {
    const rows = batchA * m;
    feeds['A'] = tensor(av, tA ? [k, m] : [rows, k]);
    feeds['B'] = tensor(bv, tB ? [n, k] : [k, n]);
    if (bias !== undefined) feeds['C'] = tensor(asFloat32(io.view(bias), 'bias'), [n]);
    yDims = [rows, n];
  } else {
    feeds['A'] = tensor(av, [...a.shape]);
    feeds['B'] = tensor(bv, [...b.shape]);
    yDims = [...outBatch, m, n];
  }
  const sig: Signature = {
    op: gemm ? 'Gemm' : 'FusedMatMul',
    rankA: gemm ? 2 : ra,
    rankB: gemm ? 2 : rb,
    tA,
    tB,
    bias: bias !== undefined,
  };
  try {
    session(s, sig).run(feeds, { Y: tensor(yv, yDims) }, {});
  } catch (err) {
    io.free(out);
    throw err;
  }
  return out;
}
