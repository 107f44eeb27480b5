import type { MainModule } from '@mujoco/mujoco';

/** The loaded MuJoCo wasm module (`@mujoco/mujoco`'s single-threaded build). */
export type Mujoco = MainModule;

let loading: Promise<Mujoco> | undefined;

/**
 * Loads MuJoCo's wasm module once per process (~0.2 s) and returns the same instance after that.
 * Every model and data handle of every environment lives on this one wasm heap.
 *
 * @example
 * const mj = await loadMujoco();
 */
export function loadMujoco(): Promise<Mujoco> {
  if (!loading) {
    loading = import('@mujoco/mujoco')
      .then((m) => m.default())
      .catch((error: unknown) => {
        loading = undefined;
        throw new Error(
          `@mujoco/mujoco failed to load: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      });
  }
  return loading;
}

/**
 * Current size in bytes of MuJoCo's wasm heap. A wasm heap only grows, so a heap that stays the
 * same size while environments are created and disposed shows their memory is being reused.
 */
export function mujocoHeapBytes(mj: Mujoco): number {
  const probe = new mj.DoubleBuffer(1);
  try {
    return (probe.GetView() as Float64Array).buffer.byteLength;
  } finally {
    probe.delete();
  }
}
