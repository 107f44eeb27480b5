import { type AnyModule, BatchNorm2d } from '@peftkit/core';

/**
 * A `BatchNorm2d` whose statistics freeze with its parameters: while its affine `weight` and
 * `bias` are all frozen (as PEFT freezes a base model), it normalises with its running
 * statistics and never updates them, even in training mode. Trainable parameters (full
 * fine-tuning, or a norm-tuning method that unfreezes them) restore PyTorch's behaviour.
 *
 * This closes the classic PEFT-on-CNN trap: LoRA "freezes" a ResNet, but its BatchNorms in
 * `train()` mode keep normalising with batch statistics and rewriting `running_mean` /
 * `running_var` every step, so the saved base no longer matches the trained adapter. Names and
 * buffers are BatchNorm2d's, so checkpoints are unchanged. A BatchNorm without affine
 * parameters behaves like a plain one.
 */
export class FrozenStatsBatchNorm2d extends BatchNorm2d {
  /** Training mode as the normalisation sees it: off while every affine parameter is frozen. */
  override get training(): boolean {
    if (!super.training) return false;
    const params = [this.weight, this.bias].filter((p) => p !== undefined);
    return params.length === 0 || params.some((p) => p.trainable);
  }
}

/**
 * Replaces every plain `BatchNorm2d` in `model` (e.g. from an imported tfjs model) by a
 * `FrozenStatsBatchNorm2d` with the same options, values and trainable flags. Returns the
 * replaced paths.
 */
export function useFrozenStatsBatchNorm(model: AnyModule): string[] {
  const replaced: string[] = [];
  for (const [path, m] of [...model.namedModules()]) {
    if (!(m instanceof BatchNorm2d) || m instanceof FrozenStatsBatchNorm2d || path === '') continue;
    const bn = new FrozenStatsBatchNorm2d(m.numFeatures, {
      eps: m.eps,
      momentum: m.momentum,
      affine: m.affine,
      trackRunningStats: m.trackRunningStats,
    });
    const values = new Map([...m.stateDict()].map(([k, p]) => [k, p.value]));
    bn.loadStateDict(values);
    for (const [k, p] of bn.namedOwnParameters()) {
      const old = m.namedOwnParameters().find(([n]) => n === k)?.[1];
      if (old) p.trainable = old.trainable;
    }
    if (!m.training) bn.eval();
    model.setSubmodule(path, bn);
    m.dispose();
    replaced.push(path);
  }
  return replaced;
}
