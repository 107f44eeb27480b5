import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
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
  /** Resident set after a full garbage collection, MB. */
  rssMB: number;
  /** V8 heap in use after that collection, MB. */
  heapMB: number;
  /** Memory of ArrayBuffers (tensor data, the wasm heap) and other C++ objects, MB. */
  externalMB: number;
}

/**
 * A full collection before each probe, so the figures show what is still referenced rather
 * than when V8 last felt like collecting. Enabled at run time: no node flag needed.
 */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export interface TrainSoakResult {
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  backend: string;
  /** Samples from `warmupSteps` on (the first steps allocate optimizer state and caches). */
  samples: MemorySample[];
  /**
   * Most live tensors seen minus the count at the first sample: 0 means no growth. (The count
   * dips by the prefetched batch at epoch boundaries; dips are not growth.)
   */
  tensorGrowth: number;
  /** Fewest live tensors seen (the epoch-boundary dip). */
  tensorMin: number;
  /** Resident memory growth over the samples (last minus first, after full GCs), MB. */
  rssGrowthMB: number;
  rssPeakMB: number;
  /** V8 heap growth over the samples (after full GCs), MB. */
  heapGrowthMB: number;
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
  const gc = fullGc();
  const mb = (n: number) => n / 2 ** 20;
  const probe: TrainerCallback = {
    onStepEnd(step) {
      if (step >= warmup && step % sampleEvery === 0) {
        gc();
        const m = process.memoryUsage();
        samples.push({
          step,
          numTensors: memorySnapshot().numTensors,
          rssMB: mb(m.rss),
          heapMB: mb(m.heapUsed),
          externalMB: mb(m.external),
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
      tensorGrowth: Math.max(...counts) - (counts[0] ?? 0),
      tensorMin: Math.min(...counts),
      rssGrowthMB: (rss.at(-1) ?? 0) - (rss[0] ?? 0),
      rssPeakMB: Math.max(...rss),
      heapGrowthMB: (samples.at(-1)?.heapMB ?? 0) - (samples[0]?.heapMB ?? 0),
    };
  } finally {
    if (!o.dir) await fs.rm(dir, { recursive: true, force: true });
  }
}
