import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  crossEntropy,
  GradientExchange,
  initBackend,
  nativeMatMulActive,
  setNativeMatMulActive,
  setNativeMatMulThreads,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { METHOD_CASES, prepareStep } from './method-step.js';
import { benchShape, median } from './reference-model.js';

// `pnpm bench --workers 2 [--quick]` (or `tsx bench/data-parallel.ts [--quick]`): the reference step with training.workers' protocol
// (main thread = rank 0 with half the batch, one worker thread with the other half, shard sent
// as transferred arrays, gradients summed through the SharedArrayBuffer, rank 0's AdamW step,
// weights published back) against one process with 2 intra-op native threads. Everything of a
// real optimizer step is timed: sharding, both halves, the barrier, the all-reduce, the update.
const quick = process.argv.includes('--quick');
const shape = benchShape(quick);
const steps = quick ? 3 : 8;
await initBackend({ prefer: 'wasm' });
const native = nativeMatMulActive();
const tsEntry = (file: string) => {
  const entry = new URL(file, import.meta.url).href;
  return `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
};

function single(method: string, threads: number): number {
  if (native) setNativeMatMulThreads(threads);
  const c = METHOD_CASES.find((m) => m.name === method) as (typeof METHOD_CASES)[number];
  const p = prepareStep(shape, c);
  for (let i = 0; i < 2; i++) p.step();
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    p.step();
    ms.push(performance.now() - t0);
  }
  p.dispose();
  return median(ms);
}

async function twoRanks(method: string): Promise<{ ms: number; allReduceMs: number }> {
  if (native) setNativeMatMulThreads(1);
  const c = METHOD_CASES.find((m) => m.name === method) as (typeof METHOD_CASES)[number];
  const p = prepareStep(shape, c, 0);
  const named = p.peft.namedParameters({ trainableOnly: true });
  const layout = { names: named.map(([n]) => n), sizes: named.map(([, q]) => q.size), ranks: 2 };
  const exchange = GradientExchange.create(layout);
  const half = shape.batch / 2;
  const w = new Worker(tsEntry('./data-parallel-worker.ts'), {
    eval: true,
    workerData: { shape: { ...shape, batch: half }, method, native, layout, buffers: exchange.buffers },
  });
  await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const ids = tf.randomUniform([shape.batch, shape.seq], 0, shape.vocab, 'int32', 7);
  const labels = tf.randomUniform([shape.batch], 0, shape.classes, 'int32', 8);
  const idsHost = ids.dataSync() as Int32Array;
  const labelsHost = labels.dataSync() as Int32Array;
  const ownIds = ids.slice([0, 0], [half, shape.seq]);
  const ownLabels = labels.slice(0, half);
  let version = 0;
  let dirty = true;
  const ms: number[] = [];
  const reduceMs: number[] = [];
  for (let step = 1; step <= steps + 2; step++) {
    const t0 = performance.now();
    if (dirty) version = exchange.publishWeights(named.map(([, q]) => q.variable.dataSync() as Float32Array));
    dirty = false;
    const shardIds = idsHost.slice(half * shape.seq);
    const shardLabels = labelsHost.slice(half);
    w.postMessage({ step, version, ids: shardIds, labels: shardLabels }, [
      shardIds.buffer,
      shardLabels.buffer,
    ]);
    const { value, grads } = valueAndGrads(
      named,
      () => crossEntropy(p.peft.call(ownIds) as tf.Tensor, ownLabels) as tf.Scalar,
    );
    const t1 = performance.now();
    const host = new Map([...grads].map(([k, g]) => [k, g.dataSync() as Float32Array]));
    exchange.writeGradients(0, host, half, value.dataSync()[0] as number);
    tf.dispose([value, ...grads.values()]);
    const tw = performance.now();
    if (!(await exchange.waitDone(1, step, 60_000))) throw new Error('worker timed out');
    const t2 = performance.now();
    const reduced = exchange.reduce([0, 1], shape.batch);
    const summed = new Map(
      reduced.grads.map((g, i) => [
        named[i]?.[0] as string,
        tf.tensor(g as Float32Array, named[i]?.[1].shape),
      ]),
    );
    const t3 = performance.now();
    p.opt.step(summed);
    tf.dispose([...summed.values()]);
    dirty = true;
    if (step > 2) {
      ms.push(performance.now() - t0);
      // Host-side cost of the all-reduce on rank 0: reading its gradients into its slot, the sum
      // and the gradient tensors (the wait for the worker, t1..t2, is not included).
      reduceMs.push(tw - t1 + (t3 - t2));
    }
  }
  w.postMessage('stop');
  await w.terminate();
  tf.dispose([ids, labels, ownIds, ownLabels]);
  p.dispose();
  return { ms: median(ms), allReduceMs: median(reduceMs) };
}

setNativeMatMulActive(native);
const rows: string[][] = [];
for (const method of ['lora-r8-qv', 'full']) {
  rows.push([
    method,
    `1 process, ${native ? 'native, 2 intra-op threads' : 'wasm'}`,
    single(method, 2).toFixed(0),
    '',
  ]);
  const dp = await twoRanks(method);
  rows.push([
    method,
    'workers: 2 (main + 1 worker, 1 thread each, all-reduce incl.)',
    dp.ms.toFixed(0),
    dp.allReduceMs.toFixed(1),
  ]);
}
process.stdout.write(
  `| method | how | step ms | reduce ms |\n| --- | --- | ---: | ---: |\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nload average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
