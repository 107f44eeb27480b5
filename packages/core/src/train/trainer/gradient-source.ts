import type { Gradients } from '../gradients.js';

/**
 * Computes a micro-batch's loss and gradients in place of the Trainer's own forward and backward
 * pass, e.g. spread over data-parallel replicas (`training.workers`). Everything after the
 * gradients (accumulation, clipping, NaN checks, schedule, optimizer step, eval, checkpoints)
 * stays in the Trainer.
 */
export interface BatchGradientSource<B> {
  /** Replicas computing each batch (the summary's `workers`). */
  readonly ranks: number;
  /** Mean loss over the batch and the gradients of that mean; the Trainer disposes `grads`. */
  lossAndGradients(batch: B): Promise<{ loss: number; grads: Gradients }>;
  /** The trainable parameters changed (an optimizer step, a restored checkpoint). */
  parametersChanged(): void;
}
