import * as tf from '@tensorflow/tfjs';
import { BaseOptimizer, type OptimizerParams, type UpdateContext } from './base-optimizer.js';

export interface SGDOptions {
  /** Default learning rate of groups that set none (required by torch; here default 1e-2). */
  lr?: number;
  /** Default L2 weight decay (added to the gradient) of groups that set none (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0: plain SGD, no state). */
  momentum?: number;
  /** Dampening of the gradient in the momentum buffer (default 0). */
  dampening?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0, as in torch. */
  nesterov?: boolean;
}

export type SGDOptionValues = { momentum: number; dampening: number; nesterov: boolean };

/**
 * Stochastic gradient descent matching `torch.optim.SGD`. For each parameter with a gradient:
 *
 * ```
 * g <- g + wd * p
 * b <- g                                  (first update)
 * b <- momentum * b + (1 - dampening) * g (later updates)
 * g <- g + momentum * b  (nesterov)  |  g <- b  (otherwise)
 * p <- p - lr * g
 * ```
 *
 * The `momentum_buffer` slot exists only when momentum != 0.
 *
 * @example
 * ```ts
 * const opt = new SGD(model.namedParameters({ trainableOnly: true }), { lr: 0.1, momentum: 0.9 });
 * ```
 */
export class SGD extends BaseOptimizer<SGDOptionValues> {
  readonly kind = 'sgd';

  constructor(params: OptimizerParams, options: SGDOptions = {}) {
    const momentum = options.momentum ?? 0;
    const dampening = options.dampening ?? 0;
    const nesterov = options.nesterov ?? false;
    if (!(momentum >= 0) || !Number.isFinite(momentum))
      throw new Error(`SGD: momentum must be >= 0, got ${momentum}`);
    if (!Number.isFinite(dampening)) throw new Error(`SGD: dampening must be finite, got ${dampening}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error('SGD: nesterov momentum requires momentum > 0 and dampening = 0');
    }
    super(
      params,
      { lr: options.lr ?? 1e-2, weightDecay: options.weightDecay ?? 0 },
      { momentum, dampening, nesterov },
      'SGD',
    );
  }

  protected slotNames(options: SGDOptionValues): readonly string[] {
    return options.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update({ path, param, grad, group }: UpdateContext): void {
    const { momentum, dampening, nesterov } = this.options;
    const { lr, weightDecay: wd } = group;
    let g = grad;
    if (wd !== 0) g = tf.add(g, tf.mul(param.variable, wd));
    if (momentum !== 0) {
      const existing = this.getSlot('momentum_buffer', path);
      let buf: tf.Tensor;
      if (existing) {
        buf = tf.add(tf.mul(existing, momentum), tf.mul(g, 1 - dampening));
        existing.assign(buf);
      } else {
        // torch seeds the buffer with the raw gradient (no dampening) on the first update.
        buf = this.slot('momentum_buffer', path, () => tf.clone(g));
      }
      g = nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
    }
    param.variable.assign(tf.sub(param.variable, tf.mul(g, lr)));
  }
}
