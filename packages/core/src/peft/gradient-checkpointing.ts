import { type AnyModule, setGradientCheckpointing } from '../nn/index.js';
import type { Placement } from './placement.js';

/**
 * Hugging Face's `gradient_checkpointing_enable()`: checkpoints every repeated block of `model`
 * (the children of `placement.layers`), so training keeps one input tensor per block and
 * recomputes each block's activations during the backward pass (roughly one extra forward in
 * time). Call it on the model you train, before or after applying PEFT. Returns the number of
 * blocks; throws when the architecture declares no repeated blocks.
 *
 * @example enableGradientCheckpointing(peftModel.baseModel, placement);
 */
export function enableGradientCheckpointing(model: AnyModule, placement: Placement, enabled = true): number {
  if (!placement.layers) {
    throw new Error(
      `gradientCheckpointing: architecture '${placement.architecture}' declares no repeated blocks (placement.layers)`,
    );
  }
  const blocks = model.getSubmodule(placement.layers).children();
  for (const block of blocks) setGradientCheckpointing(block, enabled);
  return blocks.length;
}
