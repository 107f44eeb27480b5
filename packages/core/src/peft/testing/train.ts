import type * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../nn/index.js';
import { valueAndGrads } from '../../train/index.js';
import { crossEntropy } from '../../train/losses/index.js';
import { AdamW } from '../../train/optim/index.js';
import { ids, labels } from './fixtures.js';

export interface TrainStepsOptions {
  /** AdamW learning rate (no weight decay). Default 0.05. */
  lr?: number;
  /** The input of `model.call(x)`; default `ids()`. Tensors given here are not disposed. */
  x?: tf.Tensor;
  /** The labels; default `labels()`. */
  y?: tf.Tensor;
  /** A forward of its own (e.g. with an attention mask) in place of `model.call(x)`. */
  forward?: () => tf.Tensor;
  /** Called after each step, once its tensors are disposed. */
  onStep?: (step: number) => void;
}

/**
 * Runs `steps` AdamW steps of cross-entropy on the trainable parameters of `model`; returns the
 * losses. Every tensor it creates is disposed.
 */
export function trainSteps(model: AnyModule, steps: number, options: TrainStepsOptions = {}): number[] {
  const named = model.namedParameters({ trainableOnly: true });
  const opt = new AdamW([{ params: named, lr: options.lr ?? 0.05 }], { weightDecay: 0 });
  const x = options.forward ? undefined : (options.x ?? ids());
  const y = options.y ?? labels();
  const forward = options.forward ?? (() => model.call(x) as tf.Tensor);
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const { value, grads } = valueAndGrads(named, () => crossEntropy(forward(), y) as tf.Scalar);
      losses.push(value.dataSync()[0] as number);
      opt.step(grads);
      value.dispose();
      for (const g of grads.values()) g.dispose();
      options.onStep?.(i);
    }
  } finally {
    opt.dispose();
    if (x !== undefined && options.x === undefined) x.dispose();
    if (options.y === undefined) y.dispose();
  }
  return losses;
}
