import * as path from 'node:path';
import { expect } from 'vitest';
import { runSuite, type SuiteResult } from '../suite.js';
import { markdownTable } from '../table.js';

/** One lora run of two steps, seed 1, on a dataset's quick mode: the suite's whole code path. */
export const QUICK = {
  minutes: 5,
  seeds: [1],
  methods: ['lora'],
  maxSteps: 2,
  quick: true,
  log: () => {},
} as const;

/** `runSuite` in quick mode on `datasets`, writing under `<tmp>/<out>`. */
export function quickSuite(tmp: string, out: string, datasets: readonly string[]): Promise<SuiteResult> {
  return runSuite({ ...QUICK, datasets, out: path.join(tmp, out) });
}

/** The suite produced one scored lora run of `dataset` and its table row names the preset. */
export function expectOneScoredRow(r: SuiteResult, dataset: string, preset: string): void {
  const run = r.runs.find((x) => x.dataset === dataset);
  expect(run).toMatchObject({ dataset, preset, method: 'lora', seed: 1, steps: 2 });
  expect(run?.macroF1).toBeGreaterThanOrEqual(0);
  expect(run?.macroF1).toBeLessThanOrEqual(1);
  expect(run?.accuracy).toBeGreaterThanOrEqual(0);
  // LoRA trains a small share of the model, never all of it.
  expect(run?.trainablePercent).toBeGreaterThan(0);
  expect(run?.trainablePercent).toBeLessThan(50);
  expect(markdownTable(r.rows)).toMatch(new RegExp(`^\\| ${dataset} +\\| ${preset} +\\| lora +\\|`, 'm'));
}
