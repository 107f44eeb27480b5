import * as tf from '@tensorflow/tfjs';
import type { Parameter } from './parameter.js';

/** What `TrainingHooks.onOptimizerStep` receives after each optimizer step. */
export interface OptimizerStepInfo {
  /** Optimizer steps completed, this one included (1 after the first step). */
  readonly step: number;
  /**
   * The gradient the optimizer just applied to `p` (averaged over micro-batches, clipped), or
   * `undefined` when `p` had none. Valid only during the call: the trainer disposes it after.
   */
  gradient(p: Parameter): tf.Tensor | undefined;
}

/**
 * Optional hooks a trained model can implement so that methods which change the training loop
 * (AdaLoRA's orthogonal regulariser and rank allocation) work with any loop that honours them,
 * without the loop knowing the method. `PeftModel` implements them by asking its active,
 * trainable adapters' methods; the `Trainer` calls them when the model has them.
 */
export interface TrainingHooks {
  /** Once before the first step, with the run's total optimizer steps when known. */
  onTrainBegin?(info: { readonly totalSteps: number | undefined }): void;
  /**
   * A term added to each training micro-batch's loss inside the gradient tape, or `undefined`
   * for none. Not added to evaluation losses.
   */
  trainingLoss?(): tf.Scalar | undefined;
  /** After every optimizer step, before its gradients are freed. */
  onOptimizerStep?(info: OptimizerStepInfo): void;
}

/** The hooks `model` implements, or `undefined` when it implements none. */
export function trainingHooksOf(model: unknown): TrainingHooks | undefined {
  const m = model as TrainingHooks | undefined;
  if (!m || typeof m !== 'object') return undefined;
  const has =
    typeof m.onTrainBegin === 'function' ||
    typeof m.trainingLoss === 'function' ||
    typeof m.onOptimizerStep === 'function';
  return has ? m : undefined;
}

/**
 * `loss` plus the model's `trainingLoss()` when it has one: what a training loop (the Trainer,
 * the learning-rate finder) differentiates. Call inside the gradient tape.
 */
export function withTrainingLoss(model: unknown, loss: tf.Scalar): tf.Scalar {
  const extra = trainingHooksOf(model)?.trainingLoss?.();
  return extra ? (tf.add(loss, extra) as tf.Scalar) : loss;
}
