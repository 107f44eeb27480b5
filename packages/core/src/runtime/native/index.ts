export {
  enableNativeMatMul,
  NATIVE_ENV_VAR,
  type NativeMatMulReport,
  THREADS_ENV_VAR,
  threadsFromEnv,
} from './enable-native.js';
export {
  nativeMatMulActive,
  nativeThreads,
  runNativeMatMul,
  setNativeMatMulActive,
  setNativeMatMulThreads,
} from './native-matmul.js';
