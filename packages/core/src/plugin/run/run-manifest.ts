import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { RUN_FILES } from './run-files.js';

/**
 * What a run directory holds:
 * - `adapter`: adapter files at the root; the base checkpoint lives at `base` (relative to the
 *   run directory, or absolute).
 * - `full` (full fine-tuning or pretraining) and `merged`: the root is itself a base checkpoint
 *   (`config.json` + `model.safetensors`), usable as `--base` for a later PEFT run.
 */
export type RunKind = 'adapter' | 'full' | 'merged';

/**
 * Where a run is: `running` while training (also what a killed process leaves), `complete` once
 * the final files are written, `failed` (an error ended it; `failure` says why), `interrupted`
 * (SIGINT/SIGTERM: the current step finished and `checkpoints/last` was written).
 */
export const RUN_STATUSES = ['running', 'complete', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Why a run stopped without completing: the error or signal, the last finished step, when. */
export interface RunFailure {
  reason: string;
  /** Step of `checkpoints/last` when it stopped; null when no checkpoint was written. */
  step: number | null;
  /** ISO timestamp. */
  at: string;
}

const manifestSchema = z.object({
  format: z.literal('peftkit-run'),
  version: z.literal(1),
  kind: z.enum(['adapter', 'full', 'merged']),
  status: z.enum(RUN_STATUSES),
  config: z.record(z.string(), z.unknown()),
  architecture: z.object({ id: z.string(), config: z.unknown() }),
  base: z.string().nullable(),
  head: z.object({
    id: z.string(),
    config: z.unknown(),
    basePath: z.string(),
    headPaths: z.array(z.string()),
  }),
  reader: z.string().nullable(),
  labels: z.array(z.string()).nullable(),
  peftkitVersion: z.string(),
  owner: z.object({ pid: z.number().int(), host: z.string() }).optional(),
  failure: z
    .object({ reason: z.string(), step: z.number().int().nonnegative().nullable(), at: z.string() })
    .optional(),
  decisionThreshold: z
    .object({
      positiveLabel: z.string(),
      threshold: z.number().min(0).max(1),
      metric: z.literal('macro_f1'),
      macroF1: z.number(),
      defaultMacroF1: z.number(),
      examples: z.number().int().positive(),
    })
    .optional(),
});

/**
 * A binary run's tuned decision rule (`training.tuneThreshold`): predict `positiveLabel` (the
 * second label) when its probability is greater than `threshold`; chosen on the evaluation split
 * for macro F1 (`macroF1` there, `defaultMacroF1` with argmax).
 */
export interface DecisionThreshold {
  positiveLabel: string;
  threshold: number;
  metric: 'macro_f1';
  macroF1: number;
  defaultMacroF1: number;
  examples: number;
}

/** `peftkit-run.json`. */
export interface RunManifest {
  format: 'peftkit-run';
  version: 1;
  kind: RunKind;
  /** See `RUN_STATUSES`. */
  status: RunStatus;
  /** The resolved run config. */
  config: RunConfig;
  architecture: { id: string; config: unknown };
  /** Base checkpoint dir for `adapter` runs (relative to the run dir when inside it); null otherwise. */
  base: string | null;
  head: { id: string; config: unknown; basePath: string; headPaths: string[] };
  /** Id of the reader that read the training data. */
  reader: string | null;
  labels: string[] | null;
  peftkitVersion: string;
  /** The process that last trained the run, so a `running` run whose process is gone can be told apart. */
  owner?: { pid: number; host: string };
  /** Set with status `failed` or `interrupted`. */
  failure?: RunFailure;
  /** Binary classification runs with `training.tuneThreshold`: the decision rule eval/predict/serve use. */
  decisionThreshold?: DecisionThreshold;
}

export async function writeRunManifest(dir: string, manifest: RunManifest): Promise<void> {
  await writeJsonAtomic(path.join(dir, RUN_FILES.manifest), manifest);
}

/** Reads `dir/peftkit-run.json`; a missing or malformed file is a user error naming the dir. */
export async function readRunManifest(dir: string): Promise<RunManifest> {
  const file = path.join(dir, RUN_FILES.manifest);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      missing
        ? `${dir} is not a peftkit run directory (no ${RUN_FILES.manifest}); point at the --out of 'peftkit train', 'pretrain' or 'merge'`
        : `${file}: ${(err as Error).message}`,
      2,
      { cause: err },
    );
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new UserError(`${file}: malformed (${first?.path.join('.') || 'root'}: ${first?.message})`);
  }
  return r.data as unknown as RunManifest;
}

/** Absolute base checkpoint dir of an `adapter` run, or undefined. */
export function baseDirOf(runDir: string, manifest: RunManifest): string | undefined {
  return manifest.base === null ? undefined : path.resolve(runDir, manifest.base);
}
