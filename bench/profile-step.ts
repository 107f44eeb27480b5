import { initBackend, setNativeMatMulActive } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { METHOD_CASES, prepareStep } from './method-step.js';
import { REFERENCE_SHAPE } from './reference-model.js';

const args = process.argv.slice(2);
const methods = (args[0] ?? 'full,lora-r8-qv,ia3').split(',');
const path = args[1] ?? 'native';
const profiles = Number(args[2] ?? '4');
await initBackend();
setNativeMatMulActive(path === 'native');
for (const name of methods) {
  const c = METHOD_CASES.find((m) => m.name === name);
  if (!c) throw new Error(name);
  const { step, dispose } = prepareStep(REFERENCE_SHAPE, c);
  for (let i = 0; i < 2; i++) step();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  // Per kernel (and per kernel + input shapes): the minimum over profiled steps of its summed
  // time in a step, which filters out the preemptions of a loaded machine.
  const byName = new Map<string, { ms: number; n: number }>();
  const byShape = new Map<string, { ms: number; n: number }>();
  let nKernels = 0;
  for (let rep = 0; rep < profiles; rep++) {
    const info = await tf.profile(() => step());
    nKernels = info.kernels.length;
    const names = new Map<string, { ms: number; n: number }>();
    const shapes = new Map<string, { ms: number; n: number }>();
    for (const k of info.kernels) {
      const ms = k.kernelTimeMs as number;
      for (const [map, key] of [
        [names, k.name],
        [shapes, `${k.name} ${JSON.stringify(k.inputShapes)}`],
      ] as const) {
        const e = map.get(key) ?? { ms: 0, n: 0 };
        e.ms += ms;
        e.n++;
        map.set(key, e);
      }
    }
    for (const [src, dst] of [
      [names, byName],
      [shapes, byShape],
    ] as const)
      for (const [k, v] of src) {
        const d = dst.get(k);
        if (!d || v.ms < d.ms) dst.set(k, v);
      }
  }
  // 'unnamed scope' entries are custom ops whose time includes the kernels inside them: left out.
  let total = 0;
  for (const [k, v] of byName) if (k !== 'unnamed scope') total += v.ms;
  const info = { kernels: { length: nKernels } };
  console.log(
    `\n== ${name} on ${path}: steps ${times.map((t) => t.toFixed(0)).join(' ')} ms; kernel sum (min per kernel over ${profiles} profiles, custom-op scopes excluded) ${total.toFixed(0)} ms, ${info.kernels.length} kernels`,
  );
  for (const [k, v] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 18))
    console.log(
      `${k.padEnd(28)} ${v.ms.toFixed(1).padStart(8)} ms ${String(v.n).padStart(5)}x ${((100 * v.ms) / total).toFixed(1)}%`,
    );
  console.log('-- top shapes');
  for (const [k, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
    console.log(`${v.ms.toFixed(1).padStart(8)} ms ${String(v.n).padStart(4)}x ${k}`);
  dispose();
}
