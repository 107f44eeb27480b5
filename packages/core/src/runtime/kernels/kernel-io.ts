/**
 * The small slice of a tfjs backend that our JavaScript kernels need: allocate an output, look at a
 * tensor's elements, free a temporary. Kernels written against this run unchanged on the wasm and
 * cpu backends. It touches backend internals that are not public API, which is why tfjs is pinned
 * to an exact version.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs';

/** Element storage as the wasm and cpu backends hand it out for float32, int32 and bool. */
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/** Backend access for a JavaScript kernel. */
export interface KernelIo {
  readonly backendName: 'wasm' | 'cpu';
  /**
   * A new tensor, zero-filled unless `zero` is false (then every element must be written). On wasm
   * this may grow the heap, which detaches earlier views: take views only after the last allocation.
   */
  alloc(shape: number[], dtype: DataType, zero?: boolean): TensorInfo;
  /** The elements of a tensor: a live heap view on wasm, the backing array on cpu. */
  view(info: TensorInfo): NumericArray;
  /** Releases a temporary created with `alloc` (or by a nested kernel call). */
  free(info: TensorInfo): void;
}

/** What we use of `BackendWasm` (tfjs-backend-wasm 4.22.0). */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): NumericArray;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** What we use of `MathBackendCPU` (tfjs-backend-cpu 4.22.0). */
interface CpuBackendInternals {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: DataType, values?: NumericArray): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

function hasMethod<K extends string>(
  value: unknown,
  key: K,
): value is Record<K, (...args: never[]) => unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    key in value &&
    typeof Reflect.get(value, key) === 'function'
  );
}

function isWasmBackend(backend: unknown): backend is WasmBackendInternals {
  return (
    hasMethod(backend, 'makeOutput') &&
    hasMethod(backend, 'typedArrayFromHeap') &&
    hasMethod(backend, 'disposeData')
  );
}

function isCpuBackend(backend: unknown): backend is CpuBackendInternals {
  return (
    hasMethod(backend, 'makeTensorInfo') &&
    hasMethod(backend, 'disposeData') &&
    hasMethod(Reflect.get(backend, 'data'), 'get')
  );
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function newArray(dtype: DataType, size: number): NumericArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    default:
      throw new Error(`peftkit kernel: unsupported dtype '${dtype}'`);
  }
}

function isNumericArray(v: unknown): v is NumericArray {
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array;
}

/** Wraps the backend object tfjs passes to a kernel. Throws for backends we do not know. */
export function kernelIo(backend: unknown): KernelIo {
  if (isWasmBackend(backend)) {
    return {
      backendName: 'wasm',
      alloc(shape, dtype, zero = true) {
        const out = backend.makeOutput(shape, dtype);
        // The wasm heap comes from malloc and is not zeroed.
        if (zero) backend.typedArrayFromHeap(out).fill(0);
        return out;
      },
      view: (info) => backend.typedArrayFromHeap(info),
      free: (info) => {
        backend.disposeData(info.dataId);
      },
    };
  }
  if (isCpuBackend(backend)) {
    return {
      backendName: 'cpu',
      alloc: (shape, dtype) => backend.makeTensorInfo(shape, dtype, newArray(dtype, sizeOf(shape))),
      view(info) {
        const values = backend.data.get(info.dataId)?.values;
        if (!isNumericArray(values)) {
          throw new Error(`peftkit kernel: cpu tensor data of dtype '${info.dtype}' is not a numeric array`);
        }
        return values;
      },
      free: (info) => {
        backend.disposeData(info.dataId);
      },
    };
  }
  throw new Error('peftkit kernel: expected the wasm or cpu backend (tfjs 4.22.0 internals)');
}
