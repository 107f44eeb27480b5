import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { benchMethod, METHOD_CASES, type MethodResult } from './method-step.js';
import { REFERENCE_SHAPE } from './reference-model.js';

// `pnpm bench [--quick] [--json] [--only name,name] [--checkpointing]`: trains the reference model
// of the design brief with each PEFT method and full fine-tuning in one process, writes JSON to
// bench/results/ and prints a markdown table (or, with --json, the JSON document) on stdout.
// `--checkpointing` adds a row per method with gradient checkpointing on every encoder layer.
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const checkpointing = args.includes('--checkpointing');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? onlyArg.split(',') : undefined;
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

const backend = await initBackend();
const shape = quick ? { ...REFERENCE_SHAPE, layers: 1, batch: 4 } : REFERENCE_SHAPE;
const steps = quick ? 3 : 8;
const cases = METHOD_CASES.filter((c) => !only || only.includes(c.name) || c.name === 'full');
const results: MethodResult[] = [];
for (const c of cases) {
  process.stderr.write(`bench: ${c.name} on ${backend.backend} (${steps} timed steps)\n`);
  results.push(await benchMethod(shape, c, { warmup: 2, steps }));
  if (checkpointing) {
    process.stderr.write(`bench: ${c.name} with gradient checkpointing\n`);
    results.push(await benchMethod(shape, c, { warmup: 2, steps, checkpointing: true }));
  }
}
const full = results.find((r) => r.method === 'full' && !r.checkpointing);
const withRatios = results.map((r) => ({
  ...r,
  stepTimeVsFull: full ? r.medianStepMs / full.medianStepMs : null,
  peakStepBytesVsFull: full ? r.peakStepBytes / full.peakStepBytes : null,
  peakStepBufferBytesVsFull: full ? r.peakStepBufferBytes / full.peakStepBufferBytes : null,
  optimizerStateVsFull: full ? r.optimizerStateBytes / full.optimizerStateBytes : null,
  fileBytesVsFull: r.adapterFileBytes / r.fullCheckpointBytes,
}));
const doc = {
  benchmark: 'reference-step-methods',
  date: new Date().toISOString(),
  backend: backend.backend,
  simd: backend.simd,
  tfjsVersion: tf.version.tfjs,
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  shape,
  optimizer: 'adamw',
  results: withRatios,
};
mkdirSync(resultsDir, { recursive: true });
const file = join(
  resultsDir,
  quick
    ? 'reference-step-methods.quick.local.json'
    : checkpointing
      ? 'reference-step-methods.checkpointing.json'
      : 'reference-step-methods.json',
);
writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);

if (json) {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
} else {
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const rows = [
    [
      'method',
      'step ms',
      'vs full',
      'GFLOP/s',
      'peak step MiB',
      'vs full',
      'buffers MiB',
      'vs full',
      'opt state MiB',
      'vs full',
      'trainable',
      'file MiB',
      'leak/step',
    ],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ...withRatios.map((r) => [
      r.checkpointing ? `${r.method} +ckpt` : r.method,
      r.medianStepMs.toFixed(0),
      pct(r.stepTimeVsFull),
      r.gflops.toFixed(1),
      mib(r.peakStepBytes),
      pct(r.peakStepBytesVsFull),
      mib(r.peakStepBufferBytes),
      pct(r.peakStepBufferBytesVsFull),
      mib(r.optimizerStateBytes),
      pct(r.optimizerStateVsFull),
      r.trainableParams.toLocaleString('en-US'),
      mib(r.adapterFileBytes),
      String(r.tensorLeakPerStep),
    ]),
  ];
  process.stdout.write(
    `${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nbackend ${backend.backend}, written ${file}\n`,
  );
}
