import type { AnyModule } from '../../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { TrainSummary } from '../report/summary.js';

/** Lets a callback end training gracefully: the current step finishes, `last` is saved. */
export interface TrainerControl {
  requestStop(reason?: string): void;
  readonly stopRequested: boolean;
}

/** What `onStepEnd` receives after each optimizer step. */
export interface StepLogs {
  step: number;
  /** Fractional epochs of data consumed. */
  epoch: number;
  /** Mean loss over the step's micro-batches. */
  loss: number;
  /** Learning rate of the first parameter group (after the schedule). */
  lr: number;
  /** Learning rate of every group, in optimizer order. */
  lrs: number[];
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Wall time of the step, seconds (data waiting included). */
  stepSeconds: number;
}

export interface TrainBeginInfo {
  model: AnyModule;
  optimizer: Optimizer;
  /** Optimizer steps already done (non-zero when resumed). */
  startStep: number;
  totalSteps: number | undefined;
  resumedFrom: string | null;
  trainableParameters: number;
  totalParameters: number;
}

/**
 * Hooks into `fit`. Every method is optional and may be async (it is awaited, so a slow hook
 * slows training). Throwing from a hook aborts the run like a crash: nothing more is saved, which
 * is how tests simulate a kill. To end a run cleanly, call `control.requestStop()`.
 *
 * @example
 * const stopAtLoss: TrainerCallback = {
 *   onStepEnd: (step, logs, control) => { if (logs.loss < 0.05) control.requestStop('loss below 0.05'); },
 * };
 */
export interface TrainerCallback {
  onTrainBegin?(info: TrainBeginInfo, control: TrainerControl): void | Promise<void>;
  onStepEnd?(step: number, logs: StepLogs, control: TrainerControl): void | Promise<void>;
  onEvaluate?(step: number, metrics: Record<string, number>, control: TrainerControl): void | Promise<void>;
  /** After a checkpoint directory is complete on disk. */
  onCheckpoint?(
    dir: string,
    info: { step: number; kind: 'last' | 'best' },
    control: TrainerControl,
  ): void | Promise<void>;
  onTrainEnd?(summary: TrainSummary): void | Promise<void>;
}

/** A `TrainerControl` that remembers the first stop request. */
export class StopFlag implements TrainerControl {
  reason: string | undefined;

  get stopRequested(): boolean {
    return this.reason !== undefined;
  }

  requestStop(reason = 'stop requested by a callback'): void {
    this.reason ??= reason;
  }
}
