import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  evaluateRun,
  type LoadedRun,
  loadRun,
  type PeftkitHost,
  type RunConfig,
  readRunManifest,
  resolveRunConfig,
  setFlagLayers,
  suggestRun,
  trainRun,
} from '@peftkit/core';
import type { SuiteMethod } from './methods.js';
import type { SuiteDataset } from './suite-dataset.js';
import type { SuiteRun } from './table.js';

/** What every run of one suite invocation shares. */
export interface RunBudget {
  readonly epochs?: number | undefined;
  /** Optimizer steps per run instead of the preset's epochs (a loaded machine). */
  readonly maxSteps?: number | undefined;
  /** Runs go to `<runsDir>/<dataset>-<method>-<seed>`. */
  readonly runsDir: string;
  readonly log: (line: string) => void;
}

/** preset < the dataset's data layer < the method's `--set` < the suite's data, base and budget. */
export function configFor(
  host: PeftkitHost,
  d: SuiteDataset,
  m: SuiteMethod,
  seed: number,
  b: RunBudget,
): RunConfig {
  const { config } = resolveRunConfig({
    preset: host.presets.get(d.preset),
    layers: [
      ...(d.config ? [{ name: `quality dataset ${d.id}`, value: d.config }] : []),
      ...setFlagLayers(m.set),
      {
        name: 'quality suite',
        value: {
          data: { train: d.train, ...(d.val ? { eval: d.val } : {}) },
          model: { base: d.base },
          training: {
            seed,
            ...(b.epochs ? { epochs: b.epochs } : {}),
            ...(b.maxSteps ? { maxSteps: b.maxSteps } : {}),
          },
        },
      },
    ],
    peftMethods: host.peftMethods,
  });
  if (b.maxSteps && !b.epochs) {
    // --max-steps alone replaces the preset's epoch budget (as the CLI's --max-steps does).
    const { epochs: _dropped, ...training } = config.training;
    return { ...config, training };
  }
  if (m.epochsScale !== undefined && config.training.epochs !== undefined) {
    return { ...config, training: { ...config.training, epochs: config.training.epochs * m.epochsScale } };
  }
  return config;
}

/** The run as evaluation reads it: without the reader options the test data must not get. */
function forTest(run: LoadedRun, drop: readonly string[] | undefined): LoadedRun {
  if (!drop?.length) return run;
  const config = run.manifest.config;
  const options = Object.fromEntries(
    Object.entries(config.data.options ?? {}).filter(([key]) => !drop.includes(key)),
  );
  return { ...run, manifest: { ...run.manifest, config: { ...config, data: { ...config.data, options } } } };
}

/** Trains one method on one dataset with one seed and scores it on the dataset's test data. */
export async function runOne(
  host: PeftkitHost,
  d: SuiteDataset,
  m: SuiteMethod,
  seed: number,
  b: RunBudget,
): Promise<SuiteRun> {
  const t0 = performance.now();
  const log = (l: string) => b.log(`  ${l}`);
  let config = configFor(host, d, m, seed, b);
  const slug = `${d.id}-${m.id.replace(/[^a-z0-9]+/gi, '-')}-${seed}`;
  const out = path.join(b.runsDir, slug);
  if (m.suggestPercent !== undefined || m.suggestRunBudget) {
    const budget = m.suggestRunBudget ? { run: true as const } : { percent: m.suggestPercent! };
    const probe = m.suggestProbeSteps !== undefined ? { probeSteps: m.suggestProbeSteps } : {};
    const s = await suggestRun(host, { config, budget, log, ...probe });
    log(
      `suggest: ${s.usedParameters} adapter parameters on ${(s.peft['targetModules'] as string[]).length} modules`,
    );
    config = s.config;
  }
  await fs.rm(out, { recursive: true, force: true });
  const r = await trainRun(host, { config, outDir: out, progress: 'none', log });
  const run = await loadRun(host, out);
  try {
    const e = await evaluateRun(host, forTest(run, d.testWithoutOptions), {
      data: d.test,
      ...(d.testSplit ? { split: d.testSplit } : {}),
      metrics: ['macro_f1', 'accuracy', ...(d.extraMetrics ?? [])],
    });
    const manifest = await readRunManifest(out);
    const extra = Object.fromEntries((d.extraMetrics ?? []).map((name) => [name, e.metrics[name]]));
    return {
      dataset: d.id,
      preset: d.preset,
      method: m.id,
      seed,
      macroF1: e.metrics['macro_f1'],
      accuracy: e.metrics['accuracy'],
      ...(d.extraMetrics?.length ? { metrics: extra } : {}),
      trainablePercent: (100 * r.summary.trainableParameters) / r.summary.totalParameters,
      threshold: manifest.decisionThreshold?.threshold,
      steps: r.summary.steps,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    run.model.dispose();
  }
}
