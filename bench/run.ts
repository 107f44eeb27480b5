import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, nativeMatMulActive, nativeThreads, setNativeMatMulActive } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { gemmCeiling } from './gemm-ceiling.js';
import { benchMethod, METHOD_CASES, type MethodResult } from './method-step.js';
import { benchShape } from './reference-model.js';
import { torchStep } from './torch-compare.js';

// `pnpm bench [--quick] [--json] [--only name,name] [--paths native,wasm] [--no-torch]
// [--checkpointing]`: trains the reference model of the design brief with each PEFT method and
// full fine-tuning in one process, on the native matMul path and on wasm (both in the same run,
// so machine load affects both alike), optionally the same step in PyTorch; writes JSON to
// bench/results/ and prints a markdown table (or, with --json, the JSON document) on stdout.
// `--checkpointing` adds a row per method and path with gradient checkpointing on every encoder layer.
// `pnpm bench serve ...`: the serving load test (bench/serve/main.ts) instead; `pnpm bench routed`:
// the routed forward alone, one vs eight adapters per batch (bench/serve/routed-forward.ts).
// `pnpm bench --workers 2 [--quick]`: training.workers (main thread + 1 worker, real all-reduce) vs
// one process with 2 intra-op threads, on the reference LoRA and full step (bench/data-parallel.ts).
if (process.argv[2] === 'routed') {
  const { routedForwardMain } = await import('./serve/routed-forward.js');
  process.exit(await routedForwardMain(process.argv.slice(3)));
}
if (process.argv.includes('--workers')) {
  const n = process.argv[process.argv.indexOf('--workers') + 1];
  if (n !== '2') throw new Error(`pnpm bench --workers: only 2 is measured (one per core here), got ${n}`);
  await import('./data-parallel.js');
  process.exit(0);
}
if (process.argv[2] === 'serve') {
  const { serveBenchMain } = await import('./serve/main.js');
  process.exit(await serveBenchMain(process.argv.slice(3)));
}
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const checkpointing = args.includes('--checkpointing');
const listArg = (flag: string) => {
  const value = args[args.indexOf(flag) + 1];
  return args.includes(flag) && value ? value.split(',') : undefined;
};
const only = listArg('--only');
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

const backend = await initBackend();
const nativeAvailable = nativeMatMulActive();
const paths = (listArg('--paths') ?? (nativeAvailable ? ['native', 'wasm'] : ['wasm'])).filter(
  (p) => p === 'wasm' || (p === 'native' && nativeAvailable),
);
const threads = nativeThreads();
const shape = benchShape(quick);
const steps = quick ? 3 : 8;
const cases = METHOD_CASES.filter((c) => !only || only.includes(c.name) || c.name === 'full');
const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const loadBefore = load();

type PathResult = MethodResult & { path: string; threads: number };
const results: PathResult[] = [];
// Paths back to back per method, so a change in machine load between methods hits both alike.
for (const c of cases) {
  for (const path of paths) {
    setNativeMatMulActive(path === 'native');
    process.stderr.write(`bench: ${c.name} on ${backend.backend}/${path} (${steps} timed steps)\n`);
    const r = await benchMethod(shape, c, { warmup: 2, steps });
    results.push({ ...r, path, threads: path === 'native' ? threads : 1 });
    if (checkpointing) {
      process.stderr.write(`bench: ${c.name} on ${path} with gradient checkpointing\n`);
      const rc = await benchMethod(shape, c, { warmup: 2, steps, checkpointing: true });
      results.push({ ...rc, path, threads: path === 'native' ? threads : 1 });
    }
  }
}
results.sort((a, b) => paths.indexOf(a.path) - paths.indexOf(b.path));
setNativeMatMulActive(nativeAvailable);
process.stderr.write('bench: GEMM ceiling\n');
const gemm = gemmCeiling(Math.max(1, threads), quick);
const torch = args.includes('--no-torch') ? { ok: false as const, reason: '--no-torch' } : torchStep(quick);
const torchMs = (method: string) => (torch.ok ? (torch.medianStepMs[method] ?? null) : null);

const withRatios = results.map((r) => {
  const full = results.find((x) => x.method === 'full' && x.path === r.path && !x.checkpointing);
  const t = torchMs(r.method);
  return {
    ...r,
    stepTimeVsFull: full ? r.medianStepMs / full.medianStepMs : null,
    stepTimeVsTorch: t === null ? null : r.medianStepMs / t,
    peakStepBytesVsFull: full ? r.peakStepBytes / full.peakStepBytes : null,
    peakStepBufferBytesVsFull: full ? r.peakStepBufferBytes / full.peakStepBufferBytes : null,
    optimizerStateVsFull: full ? r.optimizerStateBytes / full.optimizerStateBytes : null,
    fileBytesVsFull: r.adapterFileBytes / r.fullCheckpointBytes,
  };
});
const doc = {
  benchmark: 'reference-step-methods',
  date: new Date().toISOString(),
  backend: backend.backend,
  simd: backend.simd,
  nativeMatMul: backend.nativeMatMul,
  tfjsVersion: tf.version.tfjs,
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  loadAverage: { before: loadBefore, after: load() },
  shape,
  optimizer: 'adamw',
  results: withRatios,
  gemm,
  torch,
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
  const ratio = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)}x`);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const table = (rows: string[][]) => rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
  const methods = table([
    [
      'path',
      'method',
      'step ms',
      'vs full',
      'vs torch',
      'GFLOP/s',
      'peak step MiB',
      'vs full',
      'buffers MiB',
      'vs full',
      'opt state MiB',
      'trainable',
      'file MiB',
      'leak/step',
    ],
    [
      '---',
      '---',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
    ],
    ...withRatios.map((r) => [
      r.path === 'native' ? `native ${r.threads}t` : 'wasm',
      r.checkpointing ? `${r.method} +ckpt` : r.method,
      r.medianStepMs.toFixed(0),
      pct(r.stepTimeVsFull),
      ratio(r.stepTimeVsTorch),
      r.gflops.toFixed(1),
      mib(r.peakStepBytes),
      pct(r.peakStepBytesVsFull),
      mib(r.peakStepBufferBytes),
      pct(r.peakStepBufferBytesVsFull),
      mib(r.optimizerStateBytes),
      r.trainableParams.toLocaleString('en-US'),
      mib(r.adapterFileBytes),
      String(r.tensorLeakPerStep),
    ]),
  ]);
  const gemmTable = table([
    ['path', 'threads', 'm x k x n', 'GFLOP/s'],
    ['---', '---:', '---', '---:'],
    ...gemm.map((g) => [g.path, String(g.threads), `${g.m}x${g.k}x${g.n}`, g.gflops.toFixed(1)]),
  ]);
  const torchLine = torch.ok
    ? `PyTorch ${torch.torch}, ${torch.threads} thread: ${Object.entries(torch.medianStepMs)
        .map(([m, ms]) => `${m} ${ms.toFixed(0)} ms`)
        .join(', ')}`
    : `PyTorch: not run (${torch.reason})`;
  process.stdout.write(
    `${methods}\n\n${gemmTable}\n\n${torchLine}\nload average before ${loadBefore.join(' ')}, after ${load().join(' ')} (${doc.cpus} cpus)\nbackend ${backend.backend}, written ${file}\n`,
  );
}
