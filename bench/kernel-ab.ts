import { loadavg } from 'node:os';
import { initBackend, nativeMatMulActive, setNativeMatMulActive } from '@peftkit/core';
import type { KernelConfig } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { METHOD_CASES, prepareStep } from './method-step.js';
import { median, REFERENCE_SHAPE } from './reference-model.js';

// `tsx bench/kernel-ab.ts [--methods a,b] [--paths native,wasm] [--steps n] [--kernels Sum,Erf,Exp]`:
// reference training steps with peftkit's wrapping kernels for the given names against the stock
// tfjs kernels they wrap, alternating step by step in one process so machine load hits both alike.
// Prints median step ms of each and the ratio. Used to measure the wasm kernel fixes of issue 14.
const args = process.argv.slice(2);
const opt = (flag: string, fallback: string) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const methods = opt('--methods', 'full,lora-r8-qv,ia3,bitfit').split(',');
const steps = Number(opt('--steps', '6'));
const kernels = opt('--kernels', 'Sum,Erf,Exp').split(',');
await initBackend();
const paths = opt('--paths', nativeMatMulActive() ? 'native,wasm' : 'wasm').split(',');

// peftkit's wrappers keep the stock kernel under this process-wide key (runtime/kernels/wrap-stock.ts).
const WRAPS = Symbol.for('peftkit.runtime.wrapsKernel');
const ours = kernels.map((k) => tf.getKernel(k, 'wasm') as KernelConfig);
const stock = ours.map((c) => {
  const s = Reflect.get(c, WRAPS) as KernelConfig | undefined;
  if (!s) throw new Error(`${c.kernelName}: not a peftkit wrapper`);
  return s;
});
const use = (set: KernelConfig[]) => {
  for (const c of set) {
    tf.unregisterKernel(c.kernelName, 'wasm');
    tf.registerKernel(c);
  }
};

const load0 = loadavg()[0] as number;
console.log(
  '| path | method | stock ms (median / min) | fixed ms (median / min) | fixed/stock (median / min) |',
);
console.log(
  '| ---- | ------ | ---------------------: | ----------------------: | -------------------------: |',
);
for (const path of paths) {
  setNativeMatMulActive(path === 'native');
  for (const name of methods) {
    const c = METHOD_CASES.find((m) => m.name === name);
    if (!c) throw new Error(`unknown method ${name}`);
    const { step, dispose } = prepareStep(REFERENCE_SHAPE, c);
    use(stock);
    step();
    use(ours);
    step();
    const t: { stock: number[]; fixed: number[] } = { stock: [], fixed: [] };
    for (let i = 0; i < steps; i++) {
      for (const which of i % 2 === 0 ? (['stock', 'fixed'] as const) : (['fixed', 'stock'] as const)) {
        use(which === 'stock' ? stock : ours);
        const t0 = performance.now();
        step();
        t[which].push(performance.now() - t0);
      }
    }
    use(ours);
    dispose();
    const [s, f] = [median(t.stock), median(t.fixed)];
    const [sm, fm] = [Math.min(...t.stock), Math.min(...t.fixed)];
    const cells = [
      `${s.toFixed(0)} / ${sm.toFixed(0)}`,
      `${f.toFixed(0)} / ${fm.toFixed(0)}`,
      `${(f / s).toFixed(2)} / ${(fm / sm).toFixed(2)}`,
    ];
    console.log(`| ${path} | ${name} | ${cells.join(' | ')} |`);
  }
}
console.log(
  `\nload average ${load0.toFixed(1)} -> ${(loadavg()[0] as number).toFixed(1)}; ${steps} steps each, alternating`,
);
