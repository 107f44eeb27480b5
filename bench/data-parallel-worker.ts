import { parentPort, workerData } from 'node:worker_threads';
import {
  crossEntropy,
  type ExchangeBuffers,
  type ExchangeLayout,
  GradientExchange,
  initBackend,
  setNativeMatMulActive,
  setNativeMatMulThreads,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { METHOD_CASES, prepareStep } from './method-step.js';
import type { ReferenceShape } from './reference-model.js';

// Rank 1 of bench/data-parallel.ts: the replica protocol of core's DataParallelGroup on the
// reference model (shard in, weights from shared memory, weighted gradients into its slot).
const data = workerData as {
  shape: ReferenceShape;
  method: string;
  native: boolean;
  layout: ExchangeLayout;
  buffers: ExchangeBuffers;
};
const port = parentPort;
if (port === null) throw new Error('data-parallel-worker must run as a worker thread');
await initBackend({ prefer: 'wasm' });
setNativeMatMulActive(data.native);
if (data.native) setNativeMatMulThreads(1);
const c = METHOD_CASES.find((m) => m.name === data.method);
if (c === undefined) throw new Error(`unknown method ${data.method}`);
const p = prepareStep(data.shape, c, 0);
const named = p.peft.namedParameters({ trainableOnly: true });
const exchange = GradientExchange.attach(data.layout, data.buffers);
let version = 0;
port.on('message', (m: { step: number; version: number; ids: Int32Array; labels: Int32Array } | 'stop') => {
  if (m === 'stop') {
    p.dispose();
    port.close();
    return;
  }
  if (m.version !== version) {
    named.forEach(([, q], i) => {
      tf.tidy(() => q.assign(tf.tensor(exchange.weightsOf(i).slice(), q.shape)));
    });
    version = m.version;
  }
  const n = m.labels.length;
  const ids = tf.tensor2d(m.ids, [n, data.shape.seq], 'int32');
  const labels = tf.tensor1d(m.labels, 'int32');
  const { value, grads } = valueAndGrads(
    named,
    () => crossEntropy(p.peft.call(ids) as tf.Tensor, labels) as tf.Scalar,
  );
  const host = new Map([...grads].map(([k, g]) => [k, g.dataSync() as Float32Array]));
  exchange.writeGradients(1, host, n, value.dataSync()[0] as number);
  tf.dispose([ids, labels, value, ...grads.values()]);
  exchange.signalDone(1, m.step);
});
port.postMessage('ready');
