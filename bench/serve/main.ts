import { mkdirSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '@peftkit/core';
import { benchServe, removeScratch, type ServeBenchResult } from './serve-bench.js';

/**
 * `pnpm bench serve [--quick] [--json] [--requests n] [--connections n] [--rounds n]`: the load
 * test of `peftkit serve` (docs/benchmarks.md). Writes JSON to bench/results/ and prints a
 * markdown table (or, with --json, the JSON document). Exit 1 on any error or failed request.
 */
export async function serveBenchMain(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      requests: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
    },
  });
  const quick = values.quick;
  await initBackend();
  const dir = await fs.mkdtemp(join(os.tmpdir(), 'peftkit-bench-serve-'));
  let result: ServeBenchResult;
  try {
    result = await benchServe({
      dir,
      adapters: 8,
      connections: Number(values.connections ?? (quick ? 8 : 16)),
      requests: Number(values.requests ?? (quick ? 48 : 1000)),
      rounds: Number(values.rounds ?? (quick ? 1 : 2)),
      maxSecondsPerScenario: quick ? 30 : 120,
      batchWindowMs: 5,
      maxBatch: 32,
      hotLoads: quick ? 3 : 9,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await removeScratch(dir);
  }
  const doc = {
    benchmark: 'serve',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    ...result,
  };
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, quick ? 'serve.quick.local.json' : 'serve.json'),
    `${JSON.stringify(doc, null, 2)}\n`,
  );
  if (values.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else process.stdout.write(`${renderTable(result)}\n`);
  for (const f of result.failures) process.stderr.write(`bench serve: FAIL: ${f}\n`);
  return result.failures.length ? 1 : 0;
}

function renderTable(r: ServeBenchResult): string {
  const rows = [
    [
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'p99/p50',
      'errors',
      'tensors before/after',
      'RSS MiB before/after',
    ],
    ['---', '---', '---', '---', '---', '---', '---', '---'],
    ...r.scenarios.map((s) => [
      `${s.scenario}: ${s.description}`,
      s.requestsPerSecond.toFixed(1),
      s.p50Ms.toFixed(1),
      s.p99Ms.toFixed(1),
      (s.p99Ms / s.p50Ms).toFixed(2),
      String(s.errors),
      `${s.before.tensors} / ${s.after.tensors}`,
      `${s.before.rssMB} / ${s.after.rssMB}`,
    ]),
  ];
  const t = r.targets;
  return [
    rows.map((row) => `| ${row.join(' | ')} |`).join('\n'),
    '',
    `mixed / single throughput: ${t.mixedVsSingle.toFixed(2)}x (target >= 0.8: ${t.mixedVsSingleOk ? 'met' : 'NOT met'})`,
    `hot load of a LoRA r=8 adapter (server-side, median of ${r.hotLoad.serverMs.length}): ${r.hotLoad.medianMs.toFixed(1)} ms (target < 100: ${t.hotLoadOk ? 'met' : 'NOT met'}); POST /v1/adapters round trip median ${r.hotLoad.medianRoundTripMs.toFixed(1)} ms`,
    `p99 < 3x p50: ${t.p99Ok ? 'met' : 'NOT met'}`,
    `load average (1/5/15 min, shared machine): before ${r.loadAverage.before.join(' ')}, after ${r.loadAverage.after.join(' ')}`,
  ].join('\n');
}
