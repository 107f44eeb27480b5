import { AdamW, type AdamWOptions } from './adamw.js';
import type { OptimizerParams } from './base-optimizer.js';

/**
 * Adam as `torch.optim.Adam`: weight decay, when set, is classic L2 regularisation added to the
 * gradient (`g <- g + wd * p`) before the moment updates, so it is scaled by the adaptive
 * denominator. Default weight decay is 0, which makes it identical to AdamW with `weightDecay: 0`.
 * Prefer {@link AdamW} for fine-tuning; this exists for recipes that specify Adam.
 *
 * @example
 * ```ts
 * const opt = new Adam(model.namedParameters({ trainableOnly: true }), { lr: 1e-3 });
 * ```
 */
export class Adam extends AdamW {
  override readonly kind: string = 'adam';
  protected override readonly decoupledWeightDecay: boolean = false;

  constructor(params: OptimizerParams, options: AdamWOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0 }, 'Adam');
  }
}
