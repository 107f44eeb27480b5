export {
  BACKEND_ENV_VAR,
  type BackendName,
  type BackendReport,
  ensureBackend,
  getBackendReport,
  type InitBackendOptions,
  initBackend,
} from './backend.js';
export { type BufferPeak, trackBufferPeak } from './buffer-peak.js';
export { type CheckpointInputs, checkpoint } from './checkpoint.js';
export { type LeanGradients, type LeanGradientsOptions, leanGradients } from './lean-gradients.js';
export {
  assertNoTensorLeak,
  expectNoLeak,
  type MemorySnapshot,
  measurePeak,
  memorySnapshot,
  type NoLeakOptions,
  type PeakMeasurement,
} from './memory.js';
export {
  NATIVE_ENV_VAR,
  type NativeMatMulReport,
  nativeMatMulActive,
  nativeThreads,
  setNativeMatMulActive,
  setNativeMatMulThreads,
  THREADS_ENV_VAR,
} from './native/index.js';
export { getRng, nextSeed, Rng, type RngState, recordSeeds, replaySeeds, setSeed } from './random.js';
export { isTapeRecording } from './recording.js';
export { registerKernelFixes } from './register-fixes.js';
