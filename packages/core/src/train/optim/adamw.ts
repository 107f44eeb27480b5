import * as tf from '@tensorflow/tfjs';
import { BaseOptimizer, type OptimizerParams, type UpdateContext } from './base-optimizer.js';

export interface AdamWOptions {
  /** Default learning rate of groups that set none (default 1e-3). */
  lr?: number;
  /** Default weight decay of groups that set none (AdamW: 0.01, Adam: 0). */
  weightDecay?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Use the running maximum of the second moment (Reddi et al. 2018), as torch's `amsgrad`. */
  amsgrad?: boolean;
}

/** Resolved options; also what `getState().hyper.options` holds. */
export type AdamOptionValues = { beta1: number; beta2: number; eps: number; amsgrad: boolean };

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), matching `torch.optim.AdamW`. For each
 * parameter with a gradient `g` at its update number `t`:
 *
 * ```
 * p  <- p * (1 - lr * wd)
 * m  <- b1 * m + (1 - b1) * g
 * v  <- b2 * v + (1 - b2) * g^2
 * p  <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * ```
 *
 * State slots `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq` with `amsgrad`) are created on a
 * parameter's first update. Every update runs in `tf.tidy` and assigns into the variables, so a
 * step leaks no tensors.
 *
 * @example
 * ```ts
 * const opt = new AdamW(defaultParamGroups(model.namedParameters({ trainableOnly: true }), { weightDecay: 0.01 }), { lr: 1e-3 });
 * const { value, grads } = valueAndGrads(named, () => loss());
 * opt.step(grads);
 * disposeGradients(grads); value.dispose();
 * ```
 */
export class AdamW extends BaseOptimizer<AdamOptionValues> {
  readonly kind: string = 'adamw';
  /** False in {@link Adam}: weight decay is then added to the gradient (L2). */
  protected readonly decoupledWeightDecay: boolean = true;

  constructor(params: OptimizerParams, options: AdamWOptions = {}, caller = 'AdamW') {
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    const eps = options.eps ?? 1e-8;
    for (const [name, b] of [
      ['betas[0]', beta1],
      ['betas[1]', beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`${caller}: ${name} must be in [0, 1), got ${b}`);
    }
    if (!(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${caller}: eps must be >= 0, got ${eps}`);
    super(
      params,
      { lr: options.lr ?? 1e-3, weightDecay: options.weightDecay ?? 0.01 },
      { beta1, beta2, eps, amsgrad: options.amsgrad ?? false },
      caller,
    );
  }

  protected slotNames(options: AdamOptionValues): readonly string[] {
    return options.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected update({ path, param, grad, group, step }: UpdateContext): void {
    const { beta1, beta2, eps, amsgrad } = this.options;
    const { lr, weightDecay: wd } = group;
    const zeros = () => tf.zerosLike(param.variable);
    const m = this.slot('exp_avg', path, zeros);
    const v = this.slot('exp_avg_sq', path, zeros);
    let p: tf.Tensor = param.variable;
    let g = grad;
    if (wd !== 0) {
      if (this.decoupledWeightDecay) p = tf.mul(p, 1 - lr * wd);
      else g = tf.add(g, tf.mul(p, wd));
    }
    const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    m.assign(mNew);
    v.assign(vNew);
    let second: tf.Tensor = vNew;
    if (amsgrad) {
      const vMax = this.slot('max_exp_avg_sq', path, zeros);
      second = tf.maximum(vMax, vNew);
      vMax.assign(second);
    }
    // Bias corrections in float64 on the host, as torch computes them in Python.
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const denom = tf.add(tf.div(tf.sqrt(second), bc2Sqrt), eps);
    param.variable.assign(tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize)));
  }
}
