import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  initBackend,
  nativeMatMulActive,
  setNativeMatMulActive,
  setNativeMatMulThreads,
} from '@peftkit/core';
import { METHOD_CASES, prepareStep } from './method-step.js';
import { benchShape, median } from './reference-model.js';

// `tsx bench/both-cores.ts [--quick]`: which way of using both cores makes the reference step
// faster? (a) one process, native GEMM with 2 intra-op threads; (b) one process, 1 thread;
// (c) two worker_threads, each its own backend with 1 thread and half the batch, stepping in
// lockstep. (c) leaves out the gradient all-reduce, so it is a lower bound on what data-parallel
// workers would cost. Also wasm alone vs two wasm workers.
const quick = process.argv.includes('--quick');
const shape = benchShape(quick);
const steps = quick ? 3 : 6;
await initBackend({ prefer: 'wasm' });
const native = nativeMatMulActive();

function single(method: string, onNative: boolean, threads: number): number {
  setNativeMatMulActive(onNative);
  if (onNative) setNativeMatMulThreads(threads);
  const c = METHOD_CASES.find((m) => m.name === method);
  if (c === undefined) throw new Error(method);
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

async function workers(method: string, onNative: boolean): Promise<number> {
  const half = { ...shape, batch: shape.batch / 2 };
  // Workers start without tsx's loader, and this bench is TypeScript: register it first.
  const entry = new URL('./both-cores-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  const ws = [0, 1].map(
    (seed) => new Worker(boot, { eval: true, workerData: { shape: half, method, native: onNative, seed } }),
  );
  const next = (w: Worker) =>
    new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
  await Promise.all(ws.map(next)); // ready
  const ms: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const t0 = performance.now();
    const done = ws.map(next);
    for (const w of ws) w.postMessage('step');
    await Promise.all(done);
    if (i >= 2) ms.push(performance.now() - t0);
  }
  for (const w of ws) w.postMessage('stop');
  await Promise.all(ws.map((w) => w.terminate()));
  return median(ms);
}

const rows: string[][] = [];
for (const method of ['lora-r8-qv', 'full']) {
  if (native) {
    rows.push([method, 'native, 1 process, 2 intra-op threads', single(method, true, 2).toFixed(0)]);
    rows.push([method, 'native, 1 process, 1 thread', single(method, true, 1).toFixed(0)]);
    rows.push([
      method,
      'native, 2 workers x 1 thread, half batch each',
      (await workers(method, true)).toFixed(0),
    ]);
  }
  rows.push([method, 'wasm, 1 process', single(method, false, 1).toFixed(0)]);
  rows.push([method, 'wasm, 2 workers, half batch each', (await workers(method, false)).toFixed(0)]);
}
process.stdout.write(
  `| method | how | step ms |\n| --- | --- | ---: |\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nload average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
