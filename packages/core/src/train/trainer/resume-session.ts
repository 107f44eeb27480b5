import type { DataLoaderState } from '../data/data-loader.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { NamedParameter } from '../param-groups.js';
import {
  readTrainerState,
  resolveCheckpointDir,
  restoreOptimizer,
  restoreTrainable,
} from './checkpoint-io.js';
import { configDiff, configHash } from './config-hash.js';
import { ResumeMismatchError } from './errors.js';
import type { MetricMonitor } from './metric-monitor.js';
import type { TrainerStateFile } from './trainer-state.js';

/** What a resume restores into. */
export interface ResumeTargets {
  named: readonly NamedParameter[];
  optimizer: Optimizer;
  train: { setState(s: DataLoaderState): void };
  eval: { setState(s: DataLoaderState): void } | undefined;
  monitor: MetricMonitor | undefined;
  config: Record<string, unknown>;
  softConfig: Record<string, unknown>;
  strict: boolean;
  /** `schedule.warmupRatio` of this run, or null: warmup steps may then differ from the checkpoint's. */
  warmupRatio: number | null;
  log: (line: string) => void;
}

/**
 * Checks a checkpoint against this run's settings, then copies its trainable parameters,
 * optimizer state, loader states and monitor into `t`. The process RNG is left to the caller to
 * restore last, so nothing drawn in between can shift the stream.
 */
export async function restoreSession(
  resumeFrom: string,
  t: ResumeTargets,
): Promise<{ dir: string; state: TrainerStateFile; rederived: ScheduleRederivation | null }> {
  const dir = await resolveCheckpointDir(resumeFrom);
  const s = await readTrainerState(dir);
  let rederived: ScheduleRederivation | null = null;
  if (s.configHash !== configHash(t.config)) rederived = warmupRederivation(s, t);
  if (s.configHash !== configHash(t.config) && !rederived) {
    const msg = `resume: ${dir} was written with different settings (${configDiff(s.config, t.config).join(', ')})`;
    if (t.strict) {
      throw new ResumeMismatchError(
        `${msg}; the run would not continue as it started. To resume anyway, set strictResume: false ` +
          '(peftkit CLI: --set training.strictResume=false)',
      );
    }
    t.log(`warning: ${msg}`);
  }
  const soft = configDiff(s.softConfig ?? {}, t.softConfig);
  if (soft.length) t.log(`note: resuming with changed ${soft.join(', ')}`);
  if (s.scheduleBaseLrs.length !== t.optimizer.groups.length) {
    throw new Error(
      `resume: ${dir} has ${s.scheduleBaseLrs.length} base lr(s) for ${t.optimizer.groups.length} group(s)`,
    );
  }
  await restoreTrainable(dir, t.named);
  await restoreOptimizer(dir, t.optimizer, s.optimizer);
  t.train.setState(s.dataOrder.train);
  if (t.eval && s.dataOrder.eval) t.eval.setState(s.dataOrder.eval);
  if (t.monitor && s.monitor) t.monitor.setState(s.monitor);
  return { dir, state: s, rederived };
}

/** How a resume that trains longer moved a warmup derived from `warmupRatio`. */
export interface ScheduleRederivation {
  readonly warmupRatio: number;
  readonly fromWarmupSteps: number;
  readonly fromTotalSteps: number | null;
}

/**
 * A checkpoint whose settings differ from this run's only in warmup steps that both derive from
 * the same `warmupRatio` of a different total (training longer): the schedule is re-derived for
 * the new total rather than refused. Null when anything else differs.
 */
function warmupRederivation(s: TrainerStateFile, t: ResumeTargets): ScheduleRederivation | null {
  if (t.warmupRatio === null) return null;
  const saved = s.config['schedule'] as { warmupSteps?: unknown } | undefined;
  const ours = t.config['schedule'] as { warmupSteps?: unknown } | undefined;
  if (!saved || !ours || typeof saved.warmupSteps !== 'number') return null;
  const same = { ...t.config, schedule: { ...ours, warmupSteps: saved.warmupSteps } };
  if (configHash(same) !== s.configHash) return null;
  const savedTotal = s.softConfig?.['totalSteps'];
  return {
    warmupRatio: t.warmupRatio,
    fromWarmupSteps: saved.warmupSteps,
    fromTotalSteps: typeof savedTotal === 'number' ? savedTotal : null,
  };
}
