import { writeJsonAtomic } from '../../io/atomic-write.js';
import type { ClassDistribution } from './class-tally.js';
import type { RunWarning } from './run-warnings.js';

/** Why training ended. */
export type StopReason = 'max_steps' | 'epochs' | 'early_stopping' | 'callback' | 'interrupted' | 'diverged';

/** `summary.json`, also what `fit` resolves to. */
export interface TrainSummary {
  trainableParameters: number;
  totalParameters: number;
  /** Optimizer steps done in total (including those before a resume). */
  steps: number;
  /** Fractional epochs of data consumed. */
  epochs: number;
  /** Wall time over all sessions of the run (resumes add up), seconds. */
  wallTimeSeconds: number;
  /** Step of the checkpoint this session resumed from, or null. */
  resumedFromStep: number | null;
  /**
   * The learning-rate schedule this session ran: `rederivedFrom` holds the warmup and total of the
   * checkpoint it resumed from when training longer re-derived a `warmupRatio` warmup, else null.
   */
  schedule: {
    kind: string;
    warmupSteps: number;
    warmupRatio: number | null;
    totalSteps: number | null;
    rederivedFrom: { warmupSteps: number; totalSteps: number | null } | null;
  };
  bestMetric: { name: string; mode: 'min' | 'max'; value: number; step: number } | null;
  /** Metrics of the last evaluation (NaN as null in the file). */
  finalMetrics: Record<string, number> | null;
  /** Mean training loss of the last optimizer step. */
  finalTrainLoss: number | null;
  /** `tf.getBackend()` during training. */
  backend: string;
  /** Data-parallel replicas that computed each batch (`training.workers`; 1 = the main thread only). */
  workers?: number;
  /** High-water mark of `tf.memory().numBytes`, sampled after every backward pass and clipping. */
  peakTensorBytes: number;
  /** Bytes of optimizer state at the end. */
  optimizerStateBytes: number;
  /** True when early stopping or a callback ended the run before its step/epoch budget. */
  stoppedEarly: boolean;
  reason: StopReason;
  /** Human-readable detail of `reason`. */
  message: string;
  outputDir: string | null;
  checkpoints: { last: string | null; best: string | null };
  /**
   * Classification runs: true and predicted classes of the last evaluation; null when there was
   * no evaluation or the task is not single-label classification.
   */
  evalClassDistribution: ClassDistribution | null;
  /** Problems with the result a user must see (e.g. the model predicts one class); empty when none. */
  warnings: RunWarning[];
}

export async function writeSummary(file: string, summary: TrainSummary): Promise<void> {
  await writeJsonAtomic(file, summary);
}
