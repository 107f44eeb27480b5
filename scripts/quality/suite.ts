import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { nlpPlugin } from '@peftkit/nlp';
import { speechPlugin } from '@peftkit/speech/plugin';
import { visionPlugin } from '@peftkit/vision';
import { METHODS } from './methods.js';
import { datasetSpec } from './registry.js';
import { runOne } from './run-one.js';
import type { SuiteDataset } from './suite-dataset.js';
import { majorityMacroF1, type SuiteRow, type SuiteRun, summarise } from './table.js';

/** The seed of every dataset's preparation (splits, scanners, voices), whatever the run seeds. */
export const DATA_SEED = 7;

export interface SuiteOptions {
  /** Checked between runs: what does not fit is listed as skipped. */
  readonly minutes: number;
  readonly seeds: readonly number[];
  readonly datasets: readonly string[];
  /** Method ids to run, in this order (default all); earlier runs of others are kept. */
  readonly methods?: readonly string[] | undefined;
  readonly epochs?: number | undefined;
  readonly maxSteps?: number | undefined;
  /** `runs.json`, `data/`, `runs/` and the cache (`cache/`: bases, synthesised audio). */
  readonly out: string;
  /** A few examples per dataset and a few pretraining steps: the CI test of this code path. */
  readonly quick?: boolean;
  readonly log?: (line: string) => void;
  /** Trains and scores one run (default {@link runOne}; tests wrap it to make one fail). */
  readonly runOne?: typeof runOne;
}

export interface SuiteResult {
  /** Every run in `runs.json`: this invocation's and earlier ones'. */
  readonly runs: readonly SuiteRun[];
  readonly datasets: readonly SuiteDataset[];
  readonly rows: readonly SuiteRow[];
}

/** `<out>/runs.json`: every finished run, the datasets they were scored on, majority baselines. */
export interface RunsFile {
  runs: SuiteRun[];
  datasets?: SuiteDataset[];
  baselines?: Record<string, number>;
}

/** Writes `<dir>/runs.json` (creating `dir`) through a temporary file: a killed suite leaves the last whole file. */
export async function writeRunsFile(dir: string, content: RunsFile): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'runs.json');
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`);
  await fs.rename(tmp, file);
}

/**
 * Prepares the datasets, trains every method x seed on each (dataset-major, so the first
 * dataset gets every method and seed first), scores the test data, merges with earlier runs in
 * `<out>/runs.json` and writes it back. Returns the merged runs and the table rows.
 */
export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const unknown = (o.methods ?? []).filter((m) => !METHODS.some((x) => x.id === m));
  if (unknown.length)
    throw new Error(`unknown method ${unknown} (known: ${METHODS.map((m) => m.id).join(', ')})`);
  const specs = o.datasets.map(datasetSpec);
  await initBackend();
  const host = await createPeftkit({ plugins: [nlpPlugin, visionPlugin, speechPlugin], strict: true });
  const datasets: SuiteDataset[] = [];
  for (const spec of specs) {
    log(`quality: preparing ${spec.id}${o.quick ? ' (quick)' : ''}`);
    datasets.push(
      await spec.prepare({
        dir: path.join(o.out, 'data', spec.id),
        cacheDir: path.join(o.out, 'cache'),
        seed: DATA_SEED,
        quick: o.quick ?? false,
        host,
        log,
      }),
    );
  }
  const deadline = performance.now() + o.minutes * 60_000;
  const methods = o.methods ? o.methods.map((id) => METHODS.find((m) => m.id === id)!) : METHODS;
  const file = path.join(o.out, 'runs.json');
  const previous = await fs
    .readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as RunsFile)
    .catch(() => ({ runs: [] }) as RunsFile);
  const runs: SuiteRun[] = [];
  const budget = { epochs: o.epochs, maxSteps: o.maxSteps, runsDir: path.join(o.out, 'runs'), log };
  // Runs recorded before presets were: their dataset's preset, when this invocation knows it.
  const presetOf = new Map([...(previous.datasets ?? []), ...datasets].map((d) => [d.id, d.preset] as const));
  const baselines = {
    ...previous.baselines,
    ...Object.fromEntries(datasets.map((d) => [d.id, majorityMacroF1(d.counts.test)])),
  };
  const known = [
    ...(previous.datasets ?? []).filter((p) => !datasets.some((d) => d.id === p.id)),
    ...datasets,
  ];
  // runs.json is rewritten after every run, so hours of finished runs survive a crash or a kill.
  const save = async (): Promise<SuiteRun[]> => {
    const all = mergeRuns(
      previous.runs.filter((r) => r.skipped === undefined),
      runs,
    ).map((r) => (r.preset ? r : { ...r, preset: presetOf.get(r.dataset) }));
    await writeRunsFile(o.out, { runs: all, datasets: known, baselines });
    return all;
  };
  for (const d of datasets) {
    for (const seed of o.seeds) {
      for (const m of methods) {
        if (performance.now() > deadline) {
          runs.push({ dataset: d.id, preset: d.preset, method: m.id, seed, skipped: 'time budget' });
          continue;
        }
        log(`quality: ${d.id} (${d.preset}) / ${m.id} / seed ${seed}`);
        try {
          const r = await (o.runOne ?? runOne)(host, d, m, seed, budget);
          log(`quality: -> test macro F1 ${r.macroF1?.toFixed(3)} (${r.seconds?.toFixed(0)} s)`);
          runs.push(r);
        } catch (e) {
          // One method failing (a config a preset refuses, a diverged run) must not cost the others.
          const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
          log(`quality: -> failed: ${message}`);
          runs.push({ dataset: d.id, preset: d.preset, method: m.id, seed, skipped: `failed: ${message}` });
        }
        await save();
      }
    }
  }
  const all = await save();
  return { runs: all, datasets, rows: summarise(all, baselines) };
}

/**
 * Earlier finished runs and this invocation's, one per dataset/method/seed: a fresh finished
 * run replaces an earlier one, a skipped one never does. Sorted by dataset, method order, seed.
 */
export function mergeRuns(previous: readonly SuiteRun[], fresh: readonly SuiteRun[]): SuiteRun[] {
  const key = (r: SuiteRun) => `${r.dataset}/${r.method}/${r.seed}`;
  const byKey = new Map<string, SuiteRun>();
  for (const r of previous) byKey.set(key(r), r);
  for (const r of fresh) if (r.skipped === undefined || !byKey.has(key(r))) byKey.set(key(r), r);
  const order = new Map(METHODS.map((m, i) => [m.id, i]));
  return [...byKey.values()].sort(
    (a, b) =>
      a.dataset.localeCompare(b.dataset) ||
      (order.get(a.method) ?? 99) - (order.get(b.method) ?? 99) ||
      a.seed - b.seed,
  );
}
