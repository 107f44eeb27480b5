import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic-write.js';
import type { AnyModule } from '../../nn/module.js';
import type { BatchSource } from '../../train/data/data-loader.js';
import { findLearningRate, type LrFinderResult } from '../../train/lr-finder/find-lr.js';
import { lrCurveSvg } from '../../train/lr-finder/render-lr-curve.js';
import type { ReportSection } from '../../train/report/html-report.js';
import { type Head, headForward } from '../head.js';
import type { ModelBatch } from '../preprocessor.js';
import type { RunConfig } from '../run-config/schema.js';

export interface RunLrSweepArgs {
  readonly config: RunConfig;
  /** The model as it will train: the `PeftModel`, or the headed base for `peft: full`. */
  readonly model: AnyModule;
  readonly train: BatchSource<ModelBatch>;
  readonly head: Head;
  readonly headConfig: unknown;
  readonly labels: readonly string[] | undefined;
}

/** `LORA r=8`, `IA3`, `full`: how the chosen method is named next to its learning rate. */
export function methodLabel(config: RunConfig): string {
  if (config.peft === 'full') return 'full fine-tuning';
  const p = config.peft as { peftType: string; r?: number };
  return p.r !== undefined ? `${p.peftType} r=${p.r}` : p.peftType;
}

/**
 * The range test of a run: `training.lrFinder` (steps, lr range), the run's optimizer, weight
 * decay, LoRA+ ratio, clipping, head loss and seed, one training batch per step. The model is left
 * exactly as it was.
 */
export async function sweepRunLr(a: RunLrSweepArgs): Promise<LrFinderResult> {
  const t = a.config.training;
  const f = t.lrFinder ?? { steps: 100, minLr: 1e-7, maxLr: 1 };
  const context = { config: a.headConfig, labels: a.labels };
  const head = a.head;
  return findLearningRate<AnyModule, ModelBatch>({
    model: a.model,
    train: a.train,
    loss: (m, b) => head.loss(headForward(head, m, b, true, a.headConfig), b, context),
    optimizer: {
      name: t.optimizer,
      weightDecay: t.weightDecay,
      ...(t.loraplusLrRatio !== undefined ? { loraplusLrRatio: t.loraplusLrRatio } : {}),
    },
    maxGradNorm: t.maxGradNorm,
    steps: f.steps,
    minLr: f.minLr,
    maxLr: f.maxLr,
    seed: t.seed,
  });
}

/** One line for logs: `lr finder (LORA r=8): chose 3.1e-3 by steepest descent (...)`. */
export function describeLrChoice(r: LrFinderResult, method: string): string {
  const s = r.suggestion;
  return `lr finder (${method}): chose lr ${s.lr.toExponential(2)} by ${s.rule === 'steepest' ? 'steepest descent' : 'the edge/10 fallback'} (${s.reason}); ${r.lrs.length} steps from ${r.minLr} to ${r.lrs[r.lrs.length - 1]!.toExponential(1)}${r.stop === 'diverged' ? ', stopped at divergence' : ''}`;
}

/** Writes `lr-finder.svg` (the curve) and `lr-finder.json` (every point and the choice) into `dir`. */
export async function writeLrSweepFiles(dir: string, r: LrFinderResult, method: string): Promise<string[]> {
  const svg = path.join(dir, 'lr-finder.svg');
  const json = path.join(dir, 'lr-finder.json');
  await writeFileAtomic(svg, lrCurveSvg(r, `Learning-rate range test: ${method}`));
  await writeJsonAtomic(json, { method, ...r });
  return [svg, json];
}

/** The range test as a `report.html` section: the choice and the curve. */
export function lrSweepSection(r: LrFinderResult, method: string): ReportSection {
  return {
    title: `Learning-rate range test (${method})`,
    rows: [
      ['chosen lr', `${r.suggestion.lr.toExponential(3)} (${r.suggestion.rule})`],
      ['why', r.suggestion.reason],
      [
        'sweep',
        `${r.lrs.length} steps, ${r.minLr} to ${r.lrs[r.lrs.length - 1]!.toExponential(2)} (${r.stop})`,
      ],
    ],
    figures: [{ caption: 'lr-finder.svg', svg: lrCurveSvg(r, `Learning-rate range test: ${method}`) }],
  };
}
