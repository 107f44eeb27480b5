import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../../nn/module.js';
import { withTrainingLoss } from '../../../nn/training-hooks.js';
import { nativeMatMulActive, setNativeMatMulThreads } from '../../../runtime/native/index.js';
import { disposeGradients, type Gradients, valueAndGrads } from '../../../train/gradients.js';
import { GradientExchange } from '../../../train/parallel/gradient-exchange.js';
import type { NamedParameter } from '../../../train/param-groups.js';
import type { BatchGradientSource } from '../../../train/trainer/gradient-source.js';
import type { PeftkitHost } from '../../peftkit-host.js';
import type { ModelBatch } from '../../preprocessor.js';
import type { RunConfig } from '../../run-config/schema.js';
import { UserError } from '../../user-error.js';
import type { ReplicaSpec, StateEntry, WorkerCommand, WorkerReport } from './replica-spec.js';
import { disposeShard, localShard, shardSizes, wireShard } from './shard-batch.js';
import { replicaWorkerScript } from './worker-script.js';

/** What `DataParallelGroup.start` needs: rank 0's model and how it was built. */
export interface DataParallelOptions {
  readonly host: PeftkitHost;
  readonly config: RunConfig;
  /** Ranks including the main thread (>= 2). */
  readonly ranks: number;
  /** Native GEMM threads per rank. */
  readonly threads: number;
  readonly model: AnyModule;
  readonly architecture: string;
  readonly archConfig: unknown;
  readonly headConfig: unknown;
  readonly labels: readonly string[] | null;
  readonly initAdapterDir?: string | undefined;
  /** Rank 0's loss of one (shard of a) batch. */
  readonly loss: (model: AnyModule, batch: ModelBatch) => tf.Scalar;
  /** Longest wait for a worker's step before the run fails (default 10 minutes). */
  readonly stepTimeoutMs?: number;
}

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

/**
 * Data-parallel training on `worker_threads` (`training.workers`): the main thread is rank 0 and
 * each worker a replica of its model. Each micro-batch is cut into one shard per rank; the workers
 * get theirs as transferred host arrays while rank 0 computes its own; every rank writes
 * `shardSize * gradient` into the shared buffer and rank 0 sums them, which is the gradient of
 * the global batch's mean loss. Rank 0 alone runs the optimizer and publishes the new trainable
 * weights through shared memory before the next shard goes out, so replicas never drift and
 * clipping, accumulation, resume and checkpoints stay the Trainer's. See docs/training.md.
 */
export class DataParallelGroup implements BatchGradientSource<ModelBatch> {
  private step = 0;
  private version = 0;
  private dirty = true;
  private failure: Error | undefined;
  private closed = false;
  private previousThreads: number | undefined;

  private constructor(
    private readonly o: DataParallelOptions,
    private readonly named: readonly NamedParameter[],
    private readonly exchange: GradientExchange,
    private readonly workers: readonly Worker[],
  ) {}

  /** Starts `ranks - 1` workers and resolves once each has rebuilt the model. */
  static async start(o: DataParallelOptions): Promise<DataParallelGroup> {
    const plugins = o.host.plugins.map((p) => {
      const entry = p.source?.entry;
      if (!entry) {
        throw new UserError(
          `training.workers: plugin '${p.plugin.id}' was not loaded from a module file, so worker threads cannot load it; load it through discovery or --plugin (or pass { plugin, source: { entry } }), or set training.workers: 1`,
        );
      }
      return entry;
    });
    const named = o.model.namedParameters({ trainableOnly: true });
    const layout = { names: named.map(([n]) => n), sizes: named.map(([, p]) => p.size), ranks: o.ranks };
    for (const [n, p] of named) {
      if (p.dtype !== 'float32')
        throw new Error(`training.workers: trainable parameter ${n} is ${p.dtype}, not float32`);
    }
    const exchange = GradientExchange.create(layout);
    const native = nativeMatMulActive();
    const previousThreads = native ? setNativeMatMulThreads(o.threads) : undefined;
    const { script, eval: isEval } = replicaWorkerScript();
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let rank = 1; rank < o.ranks; rank++) {
      const state = stateOf(o.model);
      const spec: ReplicaSpec = {
        rank,
        plugins,
        backend: tf.getBackend(),
        native,
        threads: o.threads,
        config: o.config,
        architecture: o.architecture,
        archConfig: o.archConfig,
        headConfig: o.headConfig,
        labels: o.labels,
        initAdapterDir: o.initAdapterDir ?? null,
        state,
        layout,
        buffers: exchange.buffers,
      };
      const w = new Worker(script, {
        eval: isEval,
        workerData: spec,
        transferList: state.map((e) => e.data.buffer as ArrayBuffer),
      });
      workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: WorkerReport) => {
            w.off('error', reject);
            w.off('exit', onExit);
            if (m.type === 'ready') resolve();
            else reject(new Error(m.message));
          };
          const onExit = (code: number) =>
            reject(new Error(`worker ${rank} exited with code ${code} while starting`));
          w.once('message', onMessage);
          w.once('error', reject);
          w.once('exit', onExit);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      if (previousThreads !== undefined) setNativeMatMulThreads(previousThreads);
      throw new Error(`training.workers: ${(err as Error).message}`, { cause: err });
    }
    const group = new DataParallelGroup(o, named, exchange, workers);
    group.previousThreads = previousThreads;
    for (const [i, w] of workers.entries()) group.watch(w, i + 1);
    return group;
  }

  /** Ranks in the group, the main thread included. */
  get ranks(): number {
    return this.o.ranks;
  }

  parametersChanged(): void {
    this.dirty = true;
  }

  async lossAndGradients(batch: ModelBatch): Promise<{ loss: number; grads: Gradients }> {
    this.throwIfFailed();
    if (this.dirty) {
      this.version = this.exchange.publishWeights(
        this.named.map(([, p]) => p.variable.dataSync() as Float32Array),
      );
      this.dirty = false;
    }
    this.step += 1;
    const sizes = shardSizes(batch.size, this.o.ranks);
    const sent: number[] = [];
    let start = sizes[0] as number;
    for (let rank = 1; rank < this.o.ranks; rank++) {
      const count = sizes[rank] as number;
      if (count > 0) {
        const { wire, transfer } = wireShard(batch, start, count);
        const cmd: WorkerCommand = { type: 'step', step: this.step, version: this.version, shard: wire };
        this.workers[rank - 1]?.postMessage(cmd, transfer);
        sent.push(rank);
      }
      start += count;
    }
    const own = sizes[0] as number;
    const shard = localShard(batch, 0, own);
    try {
      const { value, grads } = valueAndGrads(this.named, () =>
        withTrainingLoss(this.o.model, this.o.loss(this.o.model, shard)),
      );
      try {
        const host = new Map([...grads].map(([name, g]) => [name, g.dataSync() as Float32Array]));
        this.exchange.writeGradients(0, host, own, value.dataSync()[0] as number);
      } finally {
        value.dispose();
        disposeGradients(grads);
      }
    } finally {
      disposeShard(shard);
    }
    for (const rank of sent) await this.waitFor(rank);
    const reduced = this.exchange.reduce([0, ...sent], batch.size);
    const grads: Gradients = new Map();
    reduced.grads.forEach((g, i) => {
      const [name, p] = this.named[i] as NamedParameter;
      if (g) grads.set(name, tf.tensor(g, p.shape, 'float32'));
    });
    return { loss: reduced.loss, grads };
  }

  /** Stops and terminates every worker (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) w.postMessage({ type: 'stop' } satisfies WorkerCommand);
    await Promise.all(this.workers.map((w) => w.terminate()));
    if (this.previousThreads !== undefined) setNativeMatMulThreads(this.previousThreads);
  }

  private watch(w: Worker, rank: number): void {
    const fail = (message: string) => {
      this.failure ??= new Error(`training.workers: ${message}`);
      this.exchange.wakeAll();
    };
    w.on('message', (m: WorkerReport) => {
      if (m.type === 'error') fail(m.message);
    });
    w.on('error', (err) => fail(`worker ${rank} crashed: ${err.message}`));
    w.on('exit', (code) => {
      if (!this.closed) fail(`worker ${rank} exited with code ${code}`);
    });
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async waitFor(rank: number): Promise<void> {
    const timeout = this.o.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const done = await this.exchange.waitDone(rank, this.step, timeout, () => this.failure !== undefined);
    this.throwIfFailed();
    if (done !== true) {
      throw new Error(
        `training.workers: worker ${rank} did not finish step ${this.step} within ${Math.round(timeout / 1000)} s`,
      );
    }
  }
}

/** The model's parameters and buffers as host copies (transferable). */
function stateOf(model: AnyModule): StateEntry[] {
  return [...model.stateDict()].map(([name, p]) => {
    const raw = p.variable.dataSync();
    const data = (raw as Float32Array | Int32Array | Uint8Array).slice();
    return { name, dtype: p.dtype, shape: [...p.shape], data };
  });
}
