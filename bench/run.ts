import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { benchFullTrainingStep, REFERENCE_SHAPE } from './reference-step.js';

// `pnpm bench [--quick]`: runs every benchmark, writes JSON to bench/results/, prints a markdown table.
const quick = process.argv.includes('--quick');
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

const backend = await initBackend();
const shape = quick ? { ...REFERENCE_SHAPE, layers: 1, batch: 4 } : REFERENCE_SHAPE;
const steps = quick ? 3 : 10;
process.stderr.write(`bench: reference full-training step on ${backend.backend} (${steps} timed steps)\n`);
const full = await benchFullTrainingStep(shape, { warmup: 2, steps });

const result = {
  benchmark: 'reference-step-full',
  date: new Date().toISOString(),
  backend: backend.backend,
  simd: backend.simd,
  tfjsVersion: tf.version.tfjs,
  node: process.version,
  shape,
  optimizer: 'adam',
  method: 'full',
  ...full,
  tensorLeakPerStep: (full.numTensorsAfter - full.numTensorsBefore) / steps,
};
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, quick ? 'reference-step-full.quick.local.json' : 'reference-step-full.json');
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

const rows = [
  ['benchmark', 'backend', 'method', 'median step ms', 'GFLOP/s', 'trainable params', 'tensor leak/step'],
  ['---', '---', '---', '---:', '---:', '---:', '---:'],
  [
    result.benchmark,
    result.backend,
    result.method,
    result.medianMs.toFixed(0),
    result.gflops.toFixed(1),
    String(result.trainableParams),
    String(result.tensorLeakPerStep),
  ],
];
process.stdout.write(`${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nwritten ${file}\n`);
