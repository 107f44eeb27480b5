import type { AnyModule } from '../../nn/module.js';
import { SCHEDULE_KINDS, type ScheduleKind } from '../lr-schedule.js';
import type { Metric } from '../metrics/metric.js';
import { createMetric } from '../metrics/registry.js';
import type { Every, FitOptions } from './fit-options.js';

/** Optimizer settings with every default filled in (part of the config hash). */
export interface ResolvedOptimizerConfig {
  name: 'adamw' | 'adam' | 'sgd';
  lr: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  momentum: number;
  nesterov: boolean;
  loraplusLrRatio: number | null;
}

export interface ResolvedSchedule {
  kind: ScheduleKind;
  warmupSteps: number;
  minLrRatio: number | null;
}

/** `FitOptions` after validation and defaults. */
export interface ResolvedFitOptions<M extends AnyModule, B> extends FitOptions<M, B> {
  optimizerConfig: ResolvedOptimizerConfig;
  scheduleConfig: ResolvedSchedule;
  /**
   * `schedule.warmupRatio` when warmup was derived from the total steps (not hashed: a resume that
   * trains longer re-derives `scheduleConfig.warmupSteps` from it instead of refusing).
   */
  warmupRatio: number | null;
  accumulation: number;
  clipNorm: number | null;
  /** Optimizer steps per epoch, if the train loader knows its length. */
  stepsPerEpoch: number | undefined;
  /** Total optimizer steps, if known (schedules and ETA need it). */
  totalSteps: number | undefined;
  evalCadence: Every | undefined;
  checkpointCadence: Every;
  monitor: { metric: string; mode: 'min' | 'max' } | undefined;
  metricObjects: Metric[];
  logInterval: number;
  seedValue: number;
}

const positiveInt = (v: number | undefined, name: string): void => {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
    throw new Error(`fit: ${name} must be an integer >= 1, got ${v}`);
  }
};

function checkEvery(e: Every | undefined, name: string): void {
  if (e === undefined) return;
  const n = 'steps' in e ? e.steps : e.epochs;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`fit: ${name} needs a positive integer, got ${JSON.stringify(e)}`);
}

/** Validates options and fills in defaults; every error names the option. */
export function resolveFitOptions<M extends AnyModule, B>(o: FitOptions<M, B>): ResolvedFitOptions<M, B> {
  if (!o.model) throw new Error('fit: model is required');
  if (!o.train) throw new Error('fit: train (a DataLoader) is required');
  if (typeof o.loss !== 'function')
    throw new Error('fit: loss must be a function (model, batch) => tf.Scalar');
  if (o.epochs === undefined && o.maxSteps === undefined) throw new Error('fit: give epochs or maxSteps');
  positiveInt(o.epochs, 'epochs');
  positiveInt(o.maxSteps, 'maxSteps');
  positiveInt(o.gradientAccumulationSteps, 'gradientAccumulationSteps');
  positiveInt(o.logEvery, 'logEvery');
  checkEvery(o.evalEvery, 'evalEvery');
  checkEvery(o.checkpointEvery, 'checkpointEvery');
  if (o.evalEvery && !o.eval) throw new Error('fit: evalEvery is set but no eval loader was given');
  const clipNorm = o.maxGradNorm === undefined ? 1 : o.maxGradNorm;
  if (clipNorm !== null && !(clipNorm > 0)) {
    throw new Error(`fit: maxGradNorm must be > 0 or null (no clipping), got ${clipNorm}`);
  }

  const opt = o.optimizer ?? {};
  const name = opt.name ?? 'adamw';
  if (!['adamw', 'adam', 'sgd'].includes(name)) {
    throw new Error(`fit: optimizer.name must be 'adamw', 'adam' or 'sgd', got '${name}'`);
  }
  const optimizerConfig: ResolvedOptimizerConfig = {
    name,
    lr: opt.lr ?? 1e-3,
    weightDecay: opt.weightDecay ?? (name === 'adamw' ? 0.01 : 0),
    betas: [opt.betas?.[0] ?? 0.9, opt.betas?.[1] ?? 0.999],
    eps: opt.eps ?? 1e-8,
    momentum: opt.momentum ?? 0,
    nesterov: opt.nesterov ?? false,
    loraplusLrRatio: opt.loraplusLrRatio ?? null,
  };

  const accumulation = o.gradientAccumulationSteps ?? 1;
  const batches = o.train.length;
  const stepsPerEpoch = batches === undefined ? undefined : Math.ceil(batches / accumulation);
  const epochSteps =
    o.epochs !== undefined && stepsPerEpoch !== undefined ? o.epochs * stepsPerEpoch : undefined;
  const totalSteps =
    o.maxSteps !== undefined && epochSteps !== undefined
      ? Math.min(o.maxSteps, epochSteps)
      : (o.maxSteps ?? epochSteps);

  const sched = o.schedule ?? { kind: 'constant' as const };
  if (!SCHEDULE_KINDS.includes(sched.kind)) {
    throw new Error(`fit: schedule.kind must be one of ${SCHEDULE_KINDS.join(', ')}, got '${sched.kind}'`);
  }
  if (sched.warmupSteps !== undefined && sched.warmupRatio !== undefined) {
    throw new Error('fit: give schedule.warmupSteps or schedule.warmupRatio, not both');
  }
  if (sched.warmupRatio !== undefined && !(sched.warmupRatio >= 0 && sched.warmupRatio < 1)) {
    throw new Error(`fit: schedule.warmupRatio must be in [0, 1), got ${sched.warmupRatio}`);
  }
  const needsTotal = sched.kind === 'linear' || sched.kind === 'cosine' || sched.warmupRatio !== undefined;
  if (needsTotal && totalSteps === undefined) {
    throw new Error(
      `fit: schedule '${sched.kind}'${sched.warmupRatio !== undefined ? ' with warmupRatio' : ''} needs the ` +
        `total number of steps, but the train loader '${o.train.name}' has no known length: give maxSteps`,
    );
  }
  const warmupSteps =
    sched.warmupRatio !== undefined
      ? Math.ceil(sched.warmupRatio * (totalSteps as number))
      : (sched.warmupSteps ?? 0);

  if (o.metrics?.length && !o.evalStep)
    throw new Error('fit: metrics need an evalStep to produce predictions');
  if ((o.metrics?.length || o.evalStep) && !o.eval)
    throw new Error('fit: metrics/evalStep need an eval loader');
  const metricObjects = (o.metrics ?? []).map((m) => (typeof m === 'string' ? createMetric(m) : m));
  const names = metricObjects.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i || n === 'loss');
  if (dup) throw new Error(`fit: metric name '${dup}' is used twice ('loss' is the eval loss)`);

  const es = o.earlyStopping;
  if (es) {
    if (!o.eval) throw new Error('fit: earlyStopping needs an eval loader');
    if (es.mode !== 'min' && es.mode !== 'max')
      throw new Error(`fit: earlyStopping.mode must be 'min' or 'max'`);
    positiveInt(es.patience, 'earlyStopping.patience');
    if (es.minDelta !== undefined && !(es.minDelta >= 0)) {
      throw new Error(`fit: earlyStopping.minDelta must be >= 0, got ${es.minDelta}`);
    }
    if (es.minSteps !== undefined && !(Number.isInteger(es.minSteps) && es.minSteps >= 0))
      throw new Error(`fit: earlyStopping.minSteps must be an integer >= 0, got ${es.minSteps}`);
  }
  if (es && o.bestMetric && (es.metric !== o.bestMetric.metric || es.mode !== o.bestMetric.mode)) {
    throw new Error('fit: earlyStopping and bestMetric monitor different metrics; use one');
  }
  const monitor = o.eval
    ? es
      ? { metric: es.metric, mode: es.mode }
      : (o.bestMetric ?? { metric: 'loss', mode: 'min' as const })
    : undefined;

  const evalCadence = o.eval ? (o.evalEvery ?? { epochs: 1 }) : undefined;
  const seedValue = o.seed ?? 42;
  if (!Number.isFinite(seedValue)) throw new Error(`fit: seed must be a finite number, got ${seedValue}`);
  return {
    ...o,
    optimizerConfig,
    scheduleConfig: { kind: sched.kind, warmupSteps, minLrRatio: sched.minLrRatio ?? null },
    warmupRatio: sched.warmupRatio ?? null,
    accumulation,
    clipNorm,
    stepsPerEpoch,
    totalSteps,
    evalCadence,
    checkpointCadence: o.checkpointEvery ?? evalCadence ?? { epochs: 1 },
    monitor,
    metricObjects,
    logInterval: o.logEvery ?? 10,
    seedValue,
  };
}

/** True when a cadence fires after `step` (for step cadences) or after epoch `epoch` completes. */
export function firesAtStep(every: Every | undefined, step: number): boolean {
  return every !== undefined && 'steps' in every && step % every.steps === 0;
}

export function firesAtEpochEnd(every: Every | undefined, epochsDone: number): boolean {
  return every !== undefined && 'epochs' in every && epochsDone % every.epochs === 0;
}
