import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertLastDim, assertPositiveInt } from './checks.js';
import { ones, zeros } from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface BatchNormOptions {
  eps?: number;
  /**
   * Weight of the current batch in the running-statistics update (default 0.1, PyTorch's
   * convention: `running = (1 - momentum) * running + momentum * batch`; Keras' `momentum` is
   * `1 -` this). `null` gives a cumulative average over all batches seen, as PyTorch's `None`.
   */
  momentum?: number | null;
  /** Learnable `weight` (ones) and `bias` (zeros). Default true. */
  affine?: boolean;
  /** Keep `running_mean` / `running_var` / `num_batches_tracked` buffers. Default true. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over every axis but the last (channels-last): NHWC `[B, H, W, C]` as
 * PyTorch's `nn.BatchNorm2d`, and `[B, C]` or `[B, L, C]` for `BatchNorm1d` use.
 *
 * Training mode normalises with the batch mean and biased variance and updates the running
 * statistics with the unbiased variance, as PyTorch. Eval mode normalises with the running
 * statistics (or batch statistics when `trackRunningStats` is false).
 *
 * The running-statistics update happens inside `forward` by assigning the buffers. Under a
 * gradient tape (`tf.variableGrads`) the update ops are recorded but lie on no path to the loss,
 * so backprop skips them, and buffers are never trainable so they never receive gradients.
 *
 * **Frozen bases:** a BatchNorm left in training mode still updates its running statistics and
 * normalises with batch statistics even when its parameters are frozen. When fine-tuning adapters
 * on a frozen base, put the base's BatchNorms in eval mode (`module.eval()` on them after
 * `model.train()`), or the "frozen" base drifts with every batch.
 *
 * @example
 * const bn = new BatchNorm2d(16);
 * const y = bn.call(tf.randomNormal([4, 8, 8, 16]));
 */
export class BatchNorm2d extends Module<[tf.Tensor], tf.Tensor> {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | undefined;
  readonly bias: Parameter | undefined;
  readonly runningMean: Parameter | undefined;
  readonly runningVar: Parameter | undefined;
  readonly numBatchesTracked: Parameter | undefined;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    const c = assertPositiveInt(numFeatures, 'numFeatures', this.typeName);
    this.numFeatures = c;
    this.eps = options.eps ?? 1e-5;
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) {
      throw new Error(`${this.typeName}: momentum must be in [0, 1] or null, got ${momentum}`);
    }
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? this.initParameter('weight', () => ones([c])) : undefined;
    this.bias = this.affine ? this.initParameter('bias', () => zeros([c])) : undefined;
    if (this.trackRunningStats) {
      this.runningMean = this.initBuffer('running_mean', () => zeros([c]));
      this.runningVar = this.initBuffer('running_var', () => ones([c]));
      this.numBatchesTracked = this.initBuffer('num_batches_tracked', () => tf.scalar(0, 'int32'));
    } else {
      this.runningMean = undefined;
      this.runningVar = undefined;
      this.numBatchesTracked = undefined;
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    const caller = `${this.typeName}.forward`;
    if (x.rank < 2)
      throw new Error(`${caller}: x must have rank >= 2 (channels last), got shape [${x.shape}]`);
    assertLastDim(x, this.numFeatures, 'x (channels last)', caller);
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (this.training || !this.runningMean || !this.runningVar) {
      const n = x.size / this.numFeatures;
      if (n <= 1) {
        throw new Error(
          `${caller}: expected more than 1 value per channel in training, got shape [${x.shape}]`,
        );
      }
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      ({ mean, variance } = tf.moments(x, axes));
      if (this.training) this.updateRunningStats(mean, variance, n);
    } else {
      mean = this.runningMean.value;
      variance = this.runningVar.value;
    }
    let scale = tf.rsqrt(tf.add(variance, this.eps));
    if (this.weight) scale = tf.mul(scale, this.weight.value);
    const y = tf.mul(tf.sub(x, mean), scale);
    return this.bias ? tf.add(y, this.bias.value) : y;
  }

  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    const rm = this.runningMean;
    const rv = this.runningVar;
    const count = this.numBatchesTracked;
    if (!rm || !rv || !count) return;
    // Intermediates are freed right away; assign keeps only the new values.
    tf.tidy(() => {
      const newCount = tf.add(count.value, tf.scalar(1, 'int32'));
      const f = this.momentum === null ? tf.div(1, tf.cast(newCount, 'float32')) : tf.scalar(this.momentum);
      const unbiased = tf.mul(variance, n / (n - 1));
      // running + f * (batch - running) == (1 - f) * running + f * batch
      rm.assign(tf.add(rm.value, tf.mul(f, tf.sub(mean, rm.value))));
      rv.assign(tf.add(rv.value, tf.mul(f, tf.sub(unbiased, rv.value))));
      count.assign(newCount);
    });
  }
}

/** `BatchNorm2d` under PyTorch's 1-D name, for `[B, C]` and channels-last `[B, L, C]` input. */
export class BatchNorm1d extends BatchNorm2d {}

brandClass(BatchNorm2d, 'nn.BatchNorm2d');
brandClass(BatchNorm1d, 'nn.BatchNorm1d');
