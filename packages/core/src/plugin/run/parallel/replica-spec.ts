import type { DataType } from '@tensorflow/tfjs';
import type { ExchangeBuffers, ExchangeLayout } from '../../../train/parallel/gradient-exchange.js';
import type { RunConfig } from '../../run-config/schema.js';

/** One tensor of the model's initial state, as host data. */
export interface StateEntry {
  readonly name: string;
  readonly dtype: DataType;
  readonly shape: number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/**
 * Everything a worker needs to become an exact replica of rank 0's model: the plugin modules to
 * import, what to build (the architecture and head rank 0 built, the run's PEFT config), the
 * backend to run on, and rank 0's complete state (frozen and trainable), which replaces whatever
 * the worker's own initialisation drew.
 */
export interface ReplicaSpec {
  readonly rank: number;
  /** Module files of the host's plugins, imported in the same order. */
  readonly plugins: readonly string[];
  readonly backend: string;
  readonly native: boolean;
  /** Intra-op threads of the worker's native GEMM. */
  readonly threads: number;
  readonly config: RunConfig;
  readonly architecture: string;
  readonly archConfig: unknown;
  readonly headConfig: unknown;
  readonly labels: readonly string[] | null;
  /** An adapter run started from this finished run's adapter (`initFrom`). */
  readonly initAdapterDir: string | null;
  readonly state: readonly StateEntry[];
  readonly layout: ExchangeLayout;
  readonly buffers: ExchangeBuffers;
}

/** What a worker posts to rank 0 (its step results go through the shared buffers). */
export type WorkerReport = { readonly type: 'ready' } | { readonly type: 'error'; readonly message: string };

/** What rank 0 posts to a worker. */
export type WorkerCommand =
  | { readonly type: 'step'; readonly step: number; readonly version: number; readonly shard: unknown }
  | { readonly type: 'stop' };
