/**
 * Chooses and initialises the tfjs backend peftkit trains on, and installs the kernel fixes.
 *
 * Order: `options.prefer`, else the PEFTKIT_BACKEND env var, else the first that works of
 * tfjs-node-gpu, tfjs-node (both optional: not dependencies of peftkit), wasm, cpu. An explicit
 * choice that cannot be honoured is an error, never a silent fallback.
 *
 * Nothing here imports a backend package at module load: importing @tensorflow/tfjs-backend-wasm
 * makes wasm tfjs' default backend, and wasm needs an async init, so plain synchronous tf calls in
 * code that merely imports peftkit would start failing.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { enableNativeMatMul, type NativeMatMulReport } from './native/enable-native.js';
import { registerKernelFixes } from './register-fixes.js';

/** Backends peftkit can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What `initBackend` chose and why. */
export interface BackendReport {
  /** The active tfjs backend. */
  backend: BackendName;
  /** The explicit request (`options.prefer` or PEFTKIT_BACKEND), or null for automatic choice. */
  requested: string | null;
  /** Human-readable reason for the choice. */
  reason: string;
  /** wasm SIMD in use (false on other backends). */
  simd: boolean;
  /** wasm multi-threading in use (false on other backends; never available in Node). */
  threads: boolean;
  tfjsVersion: string;
  /** Backends tried before the chosen one, with why each was passed over. */
  skipped: { backend: string; reason: string }[];
  /** Names of the registered kernel and gradient fixes (see `registerKernelFixes`). */
  fixes: string[];
  /**
   * On wasm: whether matMul runs on onnxruntime-node's native GEMM, with how many threads, or why
   * not (also listed in `skipped` as 'onnxruntime-node'). Null on other backends.
   */
  nativeMatMul: NativeMatMulReport | null;
}

/** Options for `initBackend`. */
export interface InitBackendOptions {
  /** Use exactly this backend; overrides PEFTKIT_BACKEND. */
  prefer?: BackendName;
}

/** Environment variable that selects the backend. */
export const BACKEND_ENV_VAR = 'PEFTKIT_BACKEND';
const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
/** tfjs-node packages in the order tried; both register the 'tensorflow' backend. */
const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

type Attempt = { ok: true } | { ok: false; reason: string };

let cached: BackendReport | undefined;
let pending: Promise<BackendReport> | undefined;

function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

function message(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}

/** The backend requested through PEFTKIT_BACKEND, or null when unset or empty. */
function envPreference(): BackendName | null {
  const raw = process.env[BACKEND_ENV_VAR]?.trim();
  if (raw === undefined || raw === '') return null;
  const value = raw.toLowerCase();
  if (!isBackendName(value)) {
    throw new Error(
      `${BACKEND_ENV_VAR}='${raw}' is not a valid backend; allowed values: ${BACKEND_NAMES.join(', ')}`,
    );
  }
  return value;
}

/** Runs a tiny op on the active backend: a broken install can register a backend that fails here. */
function smokeTest(): Attempt {
  try {
    const value = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync()[0]);
    return value === 2 ? { ok: true } : { ok: false, reason: `smoke test returned ${value}, expected 2` };
  } catch (err) {
    return { ok: false, reason: `smoke test failed: ${message(err)}` };
  }
}

async function activate(name: string): Promise<Attempt> {
  if (tf.findBackendFactory(name) === null)
    return { ok: false, reason: `backend '${name}' is not registered` };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    return { ok: false, reason: `initialization failed: ${message(err)}` };
  }
  if (!ok || tf.getBackend() !== name) return { ok: false, reason: 'initialization failed' };
  return smokeTest();
}

async function tryNodePackage(spec: string): Promise<Attempt> {
  try {
    createRequire(import.meta.url).resolve(spec);
  } catch {
    return { ok: false, reason: 'not installed' };
  }
  try {
    // A variable specifier keeps bundlers and tsc from requiring the optional package.
    await import(spec);
  } catch (err) {
    return { ok: false, reason: `installed but failed to load: ${message(err)}` };
  }
  return activate('tensorflow');
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { ok: false, reason: `failed to load @tensorflow/tfjs-backend-wasm: ${message(err)}` };
  }
  // The wasm kernels are registered now; put our fixes over them before the first op.
  registerKernelFixes();
  return activate('wasm');
}

async function tryBackend(name: BackendName, skipped: BackendReport['skipped']): Promise<boolean> {
  if (name === 'tensorflow') {
    for (const spec of NODE_PACKAGES) {
      const attempt = await tryNodePackage(spec);
      if (attempt.ok) return true;
      skipped.push({ backend: spec.replace('@tensorflow/', ''), reason: attempt.reason });
    }
    return false;
  }
  const attempt = name === 'wasm' ? await tryWasm() : await activate('cpu');
  if (!attempt.ok) skipped.push({ backend: name, reason: attempt.reason });
  return attempt.ok;
}

async function flag(name: string): Promise<boolean> {
  try {
    return (await tf.env().getAsync(name)) === true;
  } catch {
    // The flag exists only once the wasm package is loaded.
    return false;
  }
}

async function select(requested: BackendName | null, source: string): Promise<BackendReport> {
  registerKernelFixes();
  const skipped: BackendReport['skipped'] = [];
  let chosen: BackendName | undefined;
  if (requested !== null) {
    if (!(await tryBackend(requested, skipped))) {
      const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
      const hint =
        requested === 'tensorflow'
          ? ' Install @tensorflow/tfjs-node (or -node-gpu) 4.22.0 next to peftkit.'
          : '';
      throw new Error(`${source} requested backend '${requested}', which is unavailable (${why}).${hint}`);
    }
    chosen = requested;
  } else {
    for (const name of BACKEND_NAMES) {
      if (await tryBackend(name, skipped)) {
        chosen = name;
        break;
      }
    }
    if (chosen === undefined) {
      throw new Error(`no tfjs backend works: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
    }
  }
  const onWasm = chosen === 'wasm';
  const nativeMatMul = onWasm ? enableNativeMatMul() : null;
  const report: BackendReport = {
    backend: chosen,
    requested,
    reason:
      requested !== null
        ? `${source}=${requested}`
        : skipped.length === 0
          ? 'automatic: first backend tried'
          : `automatic: first working backend after ${skipped.map((s) => s.backend).join(', ')}`,
    simd: onWasm && (await flag('WASM_HAS_SIMD_SUPPORT')),
    threads: onWasm && (await flag('WASM_HAS_MULTITHREAD_SUPPORT')),
    tfjsVersion: tf.version.tfjs,
    skipped,
    // Registered again so the list includes kernel fixes for a backend loaded just now.
    fixes: registerKernelFixes(),
    nativeMatMul,
  };
  if (nativeMatMul !== null && !nativeMatMul.enabled) {
    report.skipped.push({ backend: 'onnxruntime-node', reason: `native matMul: ${nativeMatMul.reason}` });
  }
  return report;
}

/**
 * Selects, initialises and reports the tfjs backend and registers peftkit's kernel fixes. Call and
 * await it before creating tensors. Later calls return the cached report (re-activating that
 * backend if something switched away) unless a different backend is explicitly requested, in
 * which case they switch.
 *
 * @throws if PEFTKIT_BACKEND holds an unknown value, or an explicitly requested backend fails.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const prefer = options.prefer;
  if (prefer !== undefined && !isBackendName(prefer)) {
    throw new Error(
      `initBackend: prefer must be one of ${BACKEND_NAMES.join(', ')}, got '${String(prefer)}'`,
    );
  }
  const requested = prefer ?? envPreference();
  const source = prefer !== undefined ? 'options.prefer' : BACKEND_ENV_VAR;
  // Serialise concurrent calls: backend switching is process-global.
  while (pending !== undefined) await pending.catch(() => undefined);
  if (cached !== undefined && (requested === null || requested === cached.backend)) {
    if (tf.getBackend() !== cached.backend) await tf.setBackend(cached.backend);
    return cached;
  }
  pending = select(requested, source);
  try {
    cached = await pending;
    return cached;
  } finally {
    pending = undefined;
  }
}

/**
 * `initBackend()` unless a backend is already active: one chosen by an earlier `initBackend`, or
 * set by the caller (`tf.setBackend('cpu')` in a test), which is left alone. The public API's
 * async entry points (`createPeftkit`, `PeftModel.fromPretrained`, `loadRun`) call it, so a
 * program that starts there gets the fast backend without calling `initBackend` itself.
 * Synchronous constructors (`new BertModel`, `getPeftModel`) cannot: create tensors after one of
 * those awaits, or `await initBackend()` first.
 */
export async function ensureBackend(): Promise<void> {
  if (cached !== undefined || pending !== undefined) return;
  // Engine.backendName is set once a backend is active (explicitly or by tfjs' lazy default).
  if ((tf.engine() as unknown as { backendName?: string | null }).backendName) return;
  await initBackend();
}

/** The report of the last successful `initBackend`, or undefined before it. */
export function getBackendReport(): BackendReport | undefined {
  return cached;
}
