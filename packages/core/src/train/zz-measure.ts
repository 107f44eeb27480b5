import * as fs from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerKernelFixes } from '../runtime/register-fixes.js';
import { AdamW } from './optim/adamw.js';
import { defaultParamGroups } from './param-groups.js';
import { GradientAccumulator } from './trainer/gradient-accumulator.js';
import {
  collate,
  evalStep,
  loaders,
  lossFn,
  makeExamples,
  makeModel,
  tempDir,
} from './trainer/test-support.js';
import { fit } from './trainer/trainer.js';

const backend = process.argv[2] ?? 'cpu';
await tf.setBackend(backend);
await tf.ready();
try {
  registerKernelFixes();
} catch (e) {
  console.log('fixes', (e as Error).message);
}
const model = makeModel({ loraDropout: 0.1 });
const named = model.namedParameters({ trainableOnly: true });
const opt = new AdamW(defaultParamGroups(named, { weightDecay: 0.01 }), { lr: 1e-3 });
const acc = new GradientAccumulator(named);
const b = collate(makeExamples(8, 1));
const raw = () => {
  acc.add(() => lossFn(model, b));
  const r = acc.finish(1);
  opt.step(r.grads);
  tf.dispose([...r.grads.values()]);
};
for (let i = 0; i < 10; i++) raw();
const t = performance.now();
const N = 200;
for (let i = 0; i < N; i++) raw();
const rawMs = (performance.now() - t) / N;
tf.dispose(b);
opt.dispose();
const run = async (outputDir: string | undefined, ckpt: number) => {
  const { train } = loaders({ n: 48, batchSize: 8 });
  const t0 = performance.now();
  await fit({
    model,
    train,
    loss: lossFn,
    maxSteps: N,
    progress: 'none',
    outputDir,
    checkpointEvery: { steps: ckpt },
  });
  return (performance.now() - t0) / N;
};
await run(undefined, 1000);
const fitMs = await run(undefined, 1000);
const out = await tempDir('measure');
const fitCkpt10 = await run(out, 10);
const fitCkpt1 = await run(out, 1);
// One checkpoint write in isolation.
const { train, eval: ev } = loaders({ n: 48, batchSize: 8 });
const evalT0 = performance.now();
await fit({
  model,
  train,
  eval: ev,
  loss: lossFn,
  evalStep,
  metrics: ['accuracy'],
  maxSteps: 1,
  progress: 'none',
  evalEvery: { steps: 1 },
});
const evalMs = performance.now() - evalT0;
const sizes: Record<string, number> = {};
for (const f of await fs.readdir(`${out}/checkpoints/last`))
  sizes[f] = (await fs.stat(`${out}/checkpoints/last/${f}`)).size;
console.log(
  JSON.stringify({
    backend,
    trainable: named.reduce((n, [, p]) => n + p.size, 0),
    rawStepMs: rawMs.toFixed(2),
    fitStepMs: fitMs.toFixed(2),
    fitStepMsCkptEvery10: fitCkpt10.toFixed(2),
    fitStepMsCkptEvery1: fitCkpt1.toFixed(2),
    checkpointMs: (fitCkpt1 - fitMs).toFixed(2),
    fitWithOneEvalMs: evalMs.toFixed(1),
    sizes,
  }),
);
await fs.rm(out, { recursive: true, force: true });
