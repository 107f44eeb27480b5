import type { Optimizer } from './optim/optimizer.js';

/** The schedule shapes; names follow HF `get_scheduler` in camelCase. */
export const SCHEDULE_KINDS = ['constant', 'constantWithWarmup', 'linear', 'cosine'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface ScheduleOptions {
  kind: ScheduleKind;
  /** Optimizer steps of linear warmup from 0 (default 0). Not allowed with `constant`. */
  warmupSteps?: number;
  /** Total optimizer steps; required by `linear` and `cosine`. */
  totalSteps?: number;
  /** `cosine` decays to `minLrRatio * baseLr` (default 0), as HF's cosine-with-min-lr. */
  minLrRatio?: number;
}

/** Maps a 0-based optimizer step to a learning-rate multiplier in [0, 1]. */
export type Schedule = (step: number) => number;

/**
 * Builds an LR multiplier function with HF transformers semantics. `step` is the number of
 * optimizer steps already taken (`optimizer.stepCount` before the step), so the very first
 * update of a warmup schedule uses multiplier 0, exactly as HF's `LambdaLR` does.
 *
 * - `constant`: 1.
 * - `constantWithWarmup`: `step / warmup` during warmup, then 1.
 * - `linear`: warmup, then `(total - step) / (total - warmup)`, reaching 0 at `totalSteps` and
 *   staying 0 after.
 * - `cosine`: warmup, then `min + (1 - min) * 0.5 * (1 + cos(pi * progress))` with
 *   `progress = (step - warmup) / (total - warmup)` clamped to [0, 1] (HF lets the cosine rise
 *   again past `totalSteps`; here it stays at the minimum).
 *
 * @example
 * ```ts
 * const schedule = createSchedule({ kind: 'cosine', warmupSteps: 100, totalSteps: 1000 });
 * const baseLrs = optimizer.groups.map((g) => g.lr);
 * // before each optimizer.step(grads):
 * applySchedule(optimizer, baseLrs, schedule(optimizer.stepCount));
 * ```
 */
export function createSchedule(options: ScheduleOptions): Schedule {
  const { kind } = options;
  if (!SCHEDULE_KINDS.includes(kind)) {
    throw new Error(`createSchedule: unknown kind '${kind}' (valid: ${SCHEDULE_KINDS.join(', ')})`);
  }
  const warmup = options.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new Error(`createSchedule: warmupSteps must be an integer >= 0, got ${warmup}`);
  }
  const minLrRatio = options.minLrRatio ?? 0;
  if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
    throw new Error(`createSchedule: minLrRatio must be in [0, 1], got ${minLrRatio}`);
  }
  if (options.minLrRatio !== undefined && kind !== 'cosine') {
    throw new Error(`createSchedule: minLrRatio only applies to 'cosine', not '${kind}'`);
  }
  const warm = (step: number): number => step / Math.max(1, warmup);
  switch (kind) {
    case 'constant':
      if (warmup > 0) {
        throw new Error("createSchedule: 'constant' has no warmup; use 'constantWithWarmup'");
      }
      return () => 1;
    case 'constantWithWarmup':
      return (step) => (step < warmup ? warm(step) : 1);
    case 'linear': {
      const total = requireTotal(options.totalSteps, kind);
      return (step) =>
        step < warmup ? warm(step) : Math.max(0, (total - step) / Math.max(1, total - warmup));
    }
    case 'cosine': {
      const total = requireTotal(options.totalSteps, kind);
      return (step) => {
        if (step < warmup) return warm(step);
        const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
        const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return minLrRatio + (1 - minLrRatio) * cosine;
      };
    }
  }
}

function requireTotal(totalSteps: number | undefined, kind: ScheduleKind): number {
  if (totalSteps === undefined || !Number.isInteger(totalSteps) || totalSteps <= 0) {
    throw new Error(`createSchedule: '${kind}' needs totalSteps, an integer > 0 (got ${totalSteps})`);
  }
  return totalSteps;
}

/**
 * Sets `group.lr = baseLrs[i] * multiplier` for every group. Keep `baseLrs` from before the first
 * scheduled step (they are not stored in the optimizer, so record them next to the schedule when
 * checkpointing).
 */
export function applySchedule(optimizer: Optimizer, baseLrs: readonly number[], multiplier: number): void {
  if (baseLrs.length !== optimizer.groups.length) {
    throw new Error(
      `applySchedule: ${baseLrs.length} base learning rate(s) for ${optimizer.groups.length} group(s)`,
    );
  }
  if (!Number.isFinite(multiplier) || multiplier < 0) {
    throw new Error(`applySchedule: multiplier must be finite and >= 0, got ${multiplier}`);
  }
  optimizer.groups.forEach((g, i) => {
    g.lr = baseLrs[i]! * multiplier;
  });
}
