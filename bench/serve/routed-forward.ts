import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  addRunAdapter,
  createPeftkit,
  disposeTensorsIn,
  initBackend,
  type LoadedRun,
  loadRun,
  type PeftModel,
  Rng,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { buildTextAdapters, REPO_ROOT } from './text-adapters.js';

/** Milliseconds per routed forward of one batch, for one routing. */
export interface RoutedForwardTiming {
  readonly routing: string;
  readonly medianMs: number;
  readonly minMs: number;
}

/**
 * `pnpm bench routed`: the routed forward alone (no HTTP, no tokenising): one batch of `rows`
 * tiny-BERT rows through the served model's `callWithAdapterNames`, every row on one adapter vs
 * rows spread over eight adapters (and over eight plus `__base__`). Rounds interleave the
 * routings, so machine load hits them alike. Prints a markdown table; exit 1 if a mixed batch's
 * rows differ from running each adapter alone by more than 1e-5.
 */
export async function routedForwardMain(argv: readonly string[]): Promise<number> {
  const rounds = Number(argv[argv.indexOf('--rounds') + 1] ?? 0) || 30;
  await initBackend();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-bench-routed-'));
  try {
    const built = await buildTextAdapters(dir, 8);
    const host = await createPeftkit({ discover: { cwd: REPO_ROOT } });
    const run = await loadRun(host, path.join(built.adaptersDir, 'a1'));
    const names = ['default'];
    for (const n of built.names.slice(1)) {
      await addRunAdapter(run, path.join(built.adaptersDir, n), n);
      names.push(n);
    }
    const rows = 32;
    const batch = await encodeBatch(run, built.inputs, rows);
    const routings: Record<string, string[]> = {
      'one adapter': Array.from({ length: rows }, () => 'default'),
      '8 adapters, round robin': Array.from({ length: rows }, (_, i) => names[i % names.length] as string),
      '8 adapters + __base__, shuffled': shuffled(
        Array.from({ length: rows }, (_, i) => (i % 9 === 8 ? '__base__' : (names[i % 9] as string))),
      ),
    };
    const model = run.model as PeftModel;
    const times = new Map<string, number[]>(Object.keys(routings).map((k) => [k, []]));
    const forward = (r: readonly string[]) => {
      const t0 = performance.now();
      const out = tf.tidy(() => model.callWithAdapterNames(r, ...batch) as tf.Tensor);
      out.dataSync();
      const ms = performance.now() - t0;
      out.dispose();
      return ms;
    };
    for (const r of Object.values(routings)) for (let i = 0; i < 3; i++) forward(r);
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < rounds; i++) {
      for (const [k, r] of Object.entries(routings)) times.get(k)?.push(forward(r));
    }
    const leaked = tf.memory().numTensors - tensorsBefore;
    const kernels: string[] = [];
    for (const [k, r] of Object.entries(routings)) {
      const info = await tf.profile(() => {
        tf.tidy(() => model.callWithAdapterNames(r, ...batch) as tf.Tensor).dispose();
      });
      kernels.push(`${k}: ${info.kernels.length} kernels`);
    }
    const maxDiff = await mixedVsAlone(model, batch, routings['8 adapters + __base__, shuffled'] as string[]);
    const results: RoutedForwardTiming[] = [...times].map(([routing, t]) => {
      const s = [...t].sort((a, b) => a - b);
      return { routing, medianMs: s[Math.floor(s.length / 2)] as number, minMs: s[0] as number };
    });
    const single = results[0]?.medianMs ?? 1;
    process.stdout.write(
      [
        `| routing (${rows} rows, tiny BERT, LoRA r=8 q/v + classifier copy) | median ms | min ms | vs one adapter |`,
        '| --- | --- | --- | --- |',
        ...results.map(
          (r) =>
            `| ${r.routing} | ${r.medianMs.toFixed(2)} | ${r.minMs.toFixed(2)} | ${(r.medianMs / single).toFixed(2)}x |`,
        ),
        '',
        `kernels per forward: ${kernels.join('; ')}`,
        `max |mixed - alone| over rows: ${maxDiff.toExponential(2)}; tensors leaked over ${rounds} rounds: ${leaked}`,
        `load average: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
        '',
      ].join('\n'),
    );
    disposeTensorsIn(batch);
    run.model.dispose();
    return maxDiff > 1e-5 || leaked !== 0 ? 1 : 0;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function encodeBatch(run: LoadedRun, inputs: readonly string[], rows: number): Promise<tf.Tensor[]> {
  const inst = run.instance;
  const context = { training: false, rng: new Rng(0) };
  const encoded = [];
  for (let i = 0; i < rows; i++) {
    const example = await inst.parseInput?.(inputs[i % inputs.length] as string);
    encoded.push(await inst.encode(example, context));
  }
  const batch = inst.collate(encoded, context);
  if (batch.targets) disposeTensorsIn(batch.targets);
  return batch.inputs as tf.Tensor[];
}

/** The largest difference between a mixed batch's rows and the same rows run on their adapter alone. */
async function mixedVsAlone(
  model: PeftModel,
  batch: tf.Tensor[],
  routing: readonly string[],
): Promise<number> {
  const mixed = tf.tidy(() => model.callWithAdapterNames(routing, ...batch) as tf.Tensor);
  const got = (await mixed.array()) as number[][];
  mixed.dispose();
  let max = 0;
  for (const name of new Set(routing)) {
    const alone = tf.tidy(
      () =>
        model.callWithAdapterNames(
          routing.map(() => name),
          ...batch,
        ) as tf.Tensor,
    );
    const want = (await alone.array()) as number[][];
    alone.dispose();
    for (const [i, n] of routing.entries()) {
      if (n !== name) continue;
      for (const [j, v] of (want[i] as number[]).entries())
        max = Math.max(max, Math.abs(v - (got[i]?.[j] ?? 0)));
    }
  }
  return max;
}

function shuffled<T>(xs: T[]): T[] {
  const rng = new Rng(7);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform(0, i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
