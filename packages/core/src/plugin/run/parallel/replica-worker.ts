import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../../nn/module.js';
import { withTrainingLoss } from '../../../nn/training-hooks.js';
import { enableGradientCheckpointing, PeftModel } from '../../../peft/index.js';
import { type BackendName, initBackend } from '../../../runtime/backend.js';
import { setNativeMatMulActive, setNativeMatMulThreads } from '../../../runtime/native/index.js';
import { disposeGradients, valueAndGrads } from '../../../train/gradients.js';
import { GradientExchange } from '../../../train/parallel/gradient-exchange.js';
import { headForward } from '../../head.js';
import { importPlugin } from '../../load-plugin.js';
import { createPeftkit } from '../../peftkit-host.js';
import type { ModelBatch } from '../../preprocessor.js';
import { applyPeft, freezeFixedHead } from '../build-model.js';
import { rootPlacement } from '../root-placement.js';
import type { ReplicaSpec, WorkerCommand, WorkerReport } from './replica-spec.js';
import { disposeShard, fromWire, type WireValue } from './shard-batch.js';

// One data-parallel replica (training.workers): rebuilds rank 0's model, then for each 'step'
// command computes the loss and gradients of its shard and writes them into its slot of the
// shared gradient buffer. It never updates weights itself: it reads the ones rank 0 publishes.
const port = parentPort;
if (port === null) throw new Error('replica-worker must run as a worker thread');
const spec = workerData as ReplicaSpec;
const post = (r: WorkerReport) => port.postMessage(r);
const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function build() {
  await initBackend({ prefer: spec.backend as BackendName });
  if (spec.native) {
    setNativeMatMulActive(true);
    setNativeMatMulThreads(spec.threads);
  }
  const plugins = [];
  for (const entry of spec.plugins) plugins.push({ plugin: await importPlugin(entry), source: { entry } });
  const host = await createPeftkit({ plugins, strict: true });
  const config = spec.config;
  const architecture = host.architectures.get(spec.architecture);
  const head = host.heads.get(config.head.id);
  const base = architecture.build(spec.archConfig);
  const headed = head.build({
    base,
    architecture: architecture.id,
    baseConfig: spec.archConfig,
    features: architecture.outputFeatures?.(spec.archConfig),
    config: spec.headConfig,
    labels: spec.labels ?? undefined,
  });
  const placement = rootPlacement(architecture.placement(spec.archConfig), headed);
  const built = { architecture, archConfig: spec.archConfig, headed, placement };
  let model: AnyModule = headed.model;
  if (config.peft !== 'full') {
    model = spec.initAdapterDir
      ? await PeftModel.fromPretrained(headed.model, spec.initAdapterDir, {
          placement,
          methods: host.peftMethods,
          isTrainable: true,
        })
      : applyPeft(host, config, built, () => undefined);
  }
  if (config.training.gradientCheckpointing) enableGradientCheckpointing(headed.model, placement);
  freezeFixedHead(config, headed);
  const state = new Map(spec.state.map((e) => [e.name, tf.tensor(e.data, e.shape, e.dtype)]));
  try {
    model.loadStateDict(state);
  } finally {
    tf.dispose([...state.values()]);
  }
  const named = model.namedParameters({ trainableOnly: true });
  const names = named.map(([n]) => n);
  if (names.join('\n') !== spec.layout.names.join('\n')) {
    throw new Error(
      `the replica's trainable parameters differ from rank 0's (${names.length} vs ${spec.layout.names.length}: ${names.slice(0, 3).join(', ')} ...)`,
    );
  }
  model.train();
  const context = { config: spec.headConfig, labels: spec.labels ?? undefined };
  const loss = (batch: ModelBatch) =>
    head.loss(headForward(head, model, batch, true, spec.headConfig), batch, context) as tf.Scalar;
  return { model, named, loss };
}

const replica = await build().catch((err: unknown) => {
  post({ type: 'error', message: `worker ${spec.rank}: building the replica failed: ${describe(err)}` });
  return undefined;
});
if (replica) {
  const exchange = GradientExchange.attach(spec.layout, spec.buffers);
  let version = 0;
  port.on('message', (cmd: WorkerCommand) => {
    if (cmd.type === 'stop') {
      replica.model.dispose();
      port.close();
      return;
    }
    try {
      if (cmd.version !== version) {
        // Rank 0 stepped the optimizer: take its weights (identical update, no second optimizer).
        replica.named.forEach(([, p], i) => {
          tf.tidy(() => p.assign(tf.tensor(exchange.weightsOf(i).slice(), p.shape, p.dtype)));
        });
        version = cmd.version;
      }
      const batch = fromWire(cmd.shard as WireValue) as ModelBatch;
      try {
        const { value, grads } = valueAndGrads(replica.named, () =>
          withTrainingLoss(replica.model, replica.loss(batch)),
        );
        try {
          const host = new Map([...grads].map(([name, g]) => [name, g.dataSync() as Float32Array]));
          exchange.writeGradients(spec.rank, host, batch.size, value.dataSync()[0] as number);
        } finally {
          value.dispose();
          disposeGradients(grads);
        }
      } finally {
        disposeShard(batch);
      }
      exchange.signalDone(spec.rank, cmd.step);
    } catch (err) {
      post({ type: 'error', message: `worker ${spec.rank}: step ${cmd.step} failed: ${describe(err)}` });
    }
  });
  post({ type: 'ready' });
}
