import * as tf from '@tensorflow/tfjs';
import {
  accumulateGradients,
  clipGradNorm,
  disposeGradients,
  type Gradients,
  globalNorm,
  scaleGradients,
  valueAndGrads,
} from '../gradients.js';
import type { NamedParameter } from '../param-groups.js';

/** The gradients of one optimizer step, ready for `optimizer.step`. The caller disposes `grads`. */
export interface AccumulatedStep {
  grads: Gradients;
  /** Global norm before clipping (what logs report). */
  totalNorm: number;
  /** Mean of the micro-batch losses. */
  meanLoss: number;
  microBatches: number;
}

/**
 * Sums the gradients of micro-batches and hands out their mean. Each micro-batch's forward and
 * backward run inside `valueAndGrads` (a gradient tape that frees every intermediate), so only the
 * running sum survives between micro-batches. Dividing the sum by the number of micro-batches
 * makes k equal micro-batches with mean-reduced losses produce exactly the gradient of one k-times
 * larger batch; an epoch's short tail group is divided by its own count.
 */
export class GradientAccumulator {
  private sum: Gradients = new Map();
  private lossSum = 0;
  private count = 0;
  /** Highest `tf.memory().numBytes` seen right after a backward pass or clipping. */
  peakBytes = 0;

  constructor(private readonly named: readonly NamedParameter[]) {}

  get size(): number {
    return this.count;
  }

  /** Forward + backward of one micro-batch; returns its loss (one host read). */
  add(loss: () => tf.Scalar): number {
    const { value, grads } = valueAndGrads(this.named, loss);
    this.sample();
    try {
      accumulateGradients(this.sum, grads);
    } finally {
      disposeGradients(grads);
    }
    const v = value.dataSync()[0] as number;
    value.dispose();
    this.lossSum += v;
    this.count += 1;
    return v;
  }

  /** Adds one micro-batch's already computed loss and gradients (takes ownership of `grads`). */
  addComputed(loss: number, grads: Gradients): void {
    this.sample();
    try {
      accumulateGradients(this.sum, grads);
    } finally {
      disposeGradients(grads);
    }
    this.lossSum += loss;
    this.count += 1;
  }

  /** Mean gradients (clipped to `clipNorm` when given); resets the accumulator. */
  finish(clipNorm: number | null): AccumulatedStep {
    if (this.count === 0) throw new Error('GradientAccumulator.finish: no micro-batch was added');
    const m = this.count;
    const meanLoss = this.lossSum / m;
    const sum = this.sum;
    this.sum = new Map();
    this.count = 0;
    this.lossSum = 0;
    const mean = m === 1 ? sum : scaleGradients(sum, 1 / m);
    if (mean !== sum) disposeGradients(sum);
    if (clipNorm === null) return { grads: mean, totalNorm: globalNorm(mean), meanLoss, microBatches: m };
    const clipped = clipGradNorm(mean, clipNorm);
    this.sample();
    disposeGradients(mean);
    return { grads: clipped.grads, totalNorm: clipped.totalNorm, meanLoss, microBatches: m };
  }

  /** Frees a partial sum (e.g. when training aborts mid-accumulation). */
  dispose(): void {
    disposeGradients(this.sum);
    this.count = 0;
    this.lossSum = 0;
  }

  private sample(): void {
    this.peakBytes = Math.max(this.peakBytes, tf.memory().numBytes);
  }
}
