import { availableParallelism } from 'node:os';
import { threadsFromEnv } from '../../../runtime/native/index.js';

/** `training.workers` after `auto` is decided, with the native threads each rank gets. */
export interface WorkerPlan {
  /** Replicas computing each batch, the main thread included (1 = no workers). */
  readonly ranks: number;
  /** Native GEMM threads per rank: `floor(threads / ranks)`, at least 1. */
  readonly threadsEach: number;
  /** One line for the run log. */
  readonly note: string;
}

/**
 * Smallest step (parameters x examples per micro-batch) for which `auto` uses workers. A worker
 * costs a barrier, a shard copy and a gradient sum per micro-batch (a few ms); the reference
 * step (5.3 M parameters x 16 examples) gains 10-25 % from two, a tiny model only loses.
 */
export const AUTO_WORKERS_MIN_WORK = 16_000_000;

/**
 * Most trainable parameters for which `auto` uses workers. The all-reduce and the weight
 * broadcast grow with the trainable parameters: on the reference step (idle, 2 cores) LoRA
 * (~0.1 M trainable) ran 1.4-1.8x faster with two workers, full fine-tuning (5.3 M trainable,
 * a 21 MB all-reduce) 0.92-1.02x, i.e. no gain (docs/benchmarks.md).
 */
export const AUTO_WORKERS_MAX_TRAINABLE = 1_000_000;

/**
 * Decides the ranks of a run. A number is taken as given (capped by the micro-batch size, since a
 * rank without examples only waits). `auto` uses one rank per core (`os.availableParallelism()`,
 * capped by `PEFTKIT_THREADS`) when `parameters x batchSize >= AUTO_WORKERS_MIN_WORK`, the
 * batch has at least two examples per rank and at most `AUTO_WORKERS_MAX_TRAINABLE` parameters
 * train (PEFT, not full fine-tuning of a large model), else 1. The cores are split, never oversubscribed:
 * each rank's native GEMM gets `floor(threads / ranks)` threads.
 */
export function planWorkers(
  requested: 'auto' | number,
  step: { readonly parameters: number; readonly batchSize: number; readonly trainableParameters?: number },
  env: NodeJS.ProcessEnv = process.env,
): WorkerPlan {
  const threads = threadsFromEnv(env);
  const cores = Math.max(1, Math.min(availableParallelism(), threads));
  let ranks: number;
  let why: string;
  if (requested === 'auto') {
    const work = step.parameters * step.batchSize;
    const trainable = step.trainableParameters ?? 0;
    const tooManyTrainable = trainable > AUTO_WORKERS_MAX_TRAINABLE;
    ranks = work >= AUTO_WORKERS_MIN_WORK && step.batchSize >= 2 * cores && !tooManyTrainable ? cores : 1;
    why =
      ranks > 1
        ? `auto: ${cores} cores, step of ${fmt(work)} parameter-examples`
        : cores < 2
          ? 'auto: one core'
          : tooManyTrainable
            ? `auto: ${fmt(trainable)} trainable parameters are above ${fmt(AUTO_WORKERS_MAX_TRAINABLE)} (their all-reduce would eat the gain)`
            : `auto: step of ${fmt(work)} parameter-examples is below ${fmt(AUTO_WORKERS_MIN_WORK)} or the batch is too small to split`;
  } else {
    ranks = Math.min(requested, step.batchSize);
    why = ranks < requested ? `capped at the batch size ${step.batchSize}` : 'as configured';
  }
  const threadsEach = Math.max(1, Math.floor(threads / ranks));
  const note =
    ranks > 1
      ? `workers: ${ranks} (${why}): the main thread and ${ranks - 1} worker thread(s), ${threadsEach} native thread(s) each`
      : `workers: 1 (${why})`;
  return { ranks, threadsEach, note };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : String(n);
}
