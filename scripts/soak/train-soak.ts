import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPeftkit,
  initBackend,
  isPluginFailure,
  loadPluginFrom,
  memorySnapshot,
  resolveRunConfig,
  type TrainerCallback,
  trainRun,
} from '@peftkit/core';

/** The example tabular plugin: small and fast enough for thousands of steps. */
export const TABULAR_PLUGIN = fileURLToPath(new URL('../../examples/plugin-tabular', import.meta.url));
export const SOAK_PRESET = 'tabular/classification';
export const SOAK_DATA = 'synthetic:target?rows=512&seed=3';

/** One probe of the long run: after `step`, live tensors and the process's resident memory. */
export interface MemorySample {
  step: number;
  numTensors: number;
  rssMB: number;
}

export interface TrainSoakResult {
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  backend: string;
  /** Samples from `warmupSteps` on (the first steps allocate optimizer state and caches). */
  samples: MemorySample[];
  /** max - min live tensors over the samples: 0 means flat. */
  tensorDrift: number;
  /** Resident memory growth over the samples (last minus first), MB. */
  rssGrowthMB: number;
  rssPeakMB: number;
}

/**
 * Trains the tabular preset in-process for `steps` optimizer steps (eval and a checkpoint every
 * `evalEvery` steps), probing `tf.memory().numTensors` and RSS every `sampleEvery` steps.
 */
export async function trainSoak(o: {
  steps: number;
  sampleEvery?: number;
  warmupSteps?: number;
  evalEvery?: number;
  dir?: string;
}): Promise<TrainSoakResult> {
  const sampleEvery = o.sampleEvery ?? 50;
  const warmup = o.warmupSteps ?? 100;
  await initBackend();
  const plugin = await loadPluginFrom(TABULAR_PLUGIN, process.cwd());
  if (isPluginFailure(plugin)) throw new Error(`soak: ${plugin.error}`);
  const host = await createPeftkit({ plugins: [plugin], discover: false });
  const resolved = resolveRunConfig({
    preset: host.presets.get(SOAK_PRESET),
    layers: [
      {
        name: 'soak',
        value: {
          data: { train: SOAK_DATA },
          training: { maxSteps: o.steps, evalEvery: { steps: o.evalEvery ?? 250 }, logEvery: 100 },
        },
      },
    ],
    peftMethods: host.peftMethods,
  });
  const { epochs: _epochs, ...training } = resolved.config.training;
  const dir = o.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-soak-')));
  const samples: MemorySample[] = [];
  const probe: TrainerCallback = {
    onStepEnd(step) {
      if (step >= warmup && step % sampleEvery === 0) {
        samples.push({
          step,
          numTensors: memorySnapshot().numTensors,
          rssMB: process.memoryUsage().rss / 2 ** 20,
        });
      }
    },
  };
  const t0 = performance.now();
  try {
    const r = await trainRun(host, {
      config: { ...resolved.config, training },
      outDir: path.join(dir, 'run'),
      progress: 'none',
      log: () => undefined,
      callbacks: [probe],
    });
    const seconds = (performance.now() - t0) / 1000;
    const counts = samples.map((s) => s.numTensors);
    const rss = samples.map((s) => s.rssMB);
    return {
      steps: r.summary.steps,
      seconds,
      stepsPerSecond: r.summary.steps / seconds,
      backend: r.summary.backend,
      samples,
      tensorDrift: Math.max(...counts) - Math.min(...counts),
      rssGrowthMB: (rss.at(-1) ?? 0) - (rss[0] ?? 0),
      rssPeakMB: Math.max(...rss),
    };
  } finally {
    if (!o.dir) await fs.rm(dir, { recursive: true, force: true });
  }
}
