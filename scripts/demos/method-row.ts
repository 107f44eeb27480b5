import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TrainedStep } from './train-step.js';

/** One row of a demo: a way to meet the target data, as `peftkit train` flags. */
export interface DemoMethod {
  readonly id: string;
  readonly label: string;
  /**
   * `--set` assignments over the demo's preset (an empty list keeps the preset's own method);
   * absent for a row that trains nothing (zero-shot).
   */
  readonly set?: readonly string[];
}

/** What every demo reports about a method besides its own metrics. */
export interface MethodRow {
  readonly id: string;
  readonly label: string;
  readonly status: 'ok' | 'skipped';
  /** Why the method was skipped (status `skipped`). */
  readonly reason?: string;
  readonly trainableParameters: number | null;
  readonly totalParameters: number | null;
  /** Bytes of the weights the method adds to ship: the adapter file, or the whole checkpoint. */
  readonly weightBytes: number | null;
  /** What `weightBytes` counts, for the table. */
  readonly weightFiles: readonly string[];
  /** Wall time of the training run (data, model, training, saving); 0 when nothing trains. */
  readonly trainSeconds: number | null;
  readonly runDir: string | null;
  /** `pnpm peftkit ...` that trains this row (null when nothing trains). */
  readonly command: string | null;
}

/** A full run (or a base) ships the whole model; an adapter run only its adapter. */
export const FULL_FILES = ['model.safetensors', 'head.safetensors'] as const;
export const ADAPTER_FILES = ['adapter_model.safetensors'] as const;

/** Sum of the sizes of `files` in `dir`. */
export async function bytesOf(dir: string, files: readonly string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}

/** The row of a trained method, without its metrics. */
export async function trainedRow(
  method: { id: string; label: string },
  trained: TrainedStep,
): Promise<MethodRow> {
  const { result } = trained;
  const files = result.kind === 'full' ? FULL_FILES : ADAPTER_FILES;
  return {
    id: method.id,
    label: method.label,
    status: 'ok',
    trainableParameters: result.summary.trainableParameters,
    totalParameters: result.summary.totalParameters,
    weightBytes: await bytesOf(result.outputDir, files),
    weightFiles: files,
    trainSeconds: trained.seconds,
    runDir: result.outputDir,
    command: trained.command,
  };
}

/** The row of a method the architecture cannot host. */
export function skippedRow(method: { id: string; label: string }, reason: string): MethodRow {
  return {
    id: method.id,
    label: method.label,
    status: 'skipped',
    reason,
    trainableParameters: null,
    totalParameters: null,
    weightBytes: null,
    weightFiles: [],
    trainSeconds: null,
    runDir: null,
    command: null,
  };
}
