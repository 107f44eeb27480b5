import type { PlacementContribution } from '@peftkit/core';

/** Default targets per PEFT method for ViTs: LoRA on query/value, as HF PEFT's ViT examples. */
export const vitPlacementDefaults: PlacementContribution = {
  architecture: 'vit',
  defaults: {
    LORA: { targetRoles: ['attn.q', 'attn.v'] },
    IA3: { targetRoles: ['attn.k', 'attn.v', 'ffn.down'] },
    BOTTLENECK: { targetRoles: ['block.ffn'] },
    PREFIX_TUNING: { targetRoles: ['attention'] },
    '*': { targetRoles: ['attn.q', 'attn.v'] },
  },
};

/** ResNets: every convolution (conv LoRA), bottleneck adapters after each block's last conv. */
export const resnetPlacementDefaults: PlacementContribution = {
  architecture: 'resnet',
  defaults: {
    LORA: { targetRoles: ['conv'] },
    BOTTLENECK: { targetRoles: ['block.ffn'] },
    '*': { targetRoles: ['conv'] },
  },
};

/** Imported tfjs models: their Conv2D layers. */
export const tfjsPlacementDefaults: PlacementContribution = {
  architecture: 'tfjs-layers',
  defaults: { '*': { targetRoles: ['conv'] } },
};
