import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, setNativeMatMulActive, setNativeMatMulThreads } from '@peftkit/core';
import { METHOD_CASES, prepareStep } from './method-step.js';
import type { ReferenceShape } from './reference-model.js';

// One data-parallel worker of bench/both-cores.ts: its own tfjs backend, its half of the batch,
// one step per 'step' message.
const data = workerData as { shape: ReferenceShape; method: string; native: boolean; seed: number };
const port = parentPort;
if (port === null) throw new Error('both-cores-worker must run as a worker thread');
await initBackend({ prefer: 'wasm' });
setNativeMatMulActive(data.native);
if (data.native) setNativeMatMulThreads(1);
const c = METHOD_CASES.find((m) => m.name === data.method);
if (c === undefined) throw new Error(`unknown method ${data.method}`);
const prepared = prepareStep(data.shape, c, data.seed);
port.on('message', (msg: string) => {
  if (msg === 'step') {
    prepared.step();
    port.postMessage('done');
  } else {
    prepared.dispose();
    port.close();
  }
});
port.postMessage('ready');
