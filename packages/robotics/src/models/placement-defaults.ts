import type { PlacementContribution } from '@peftkit/core';

/**
 * Default targets per PEFT method for the MLP policy: every trunk layer's linear (LoRA-SP and
 * TAIL found policies need adapters throughout the trunk, at higher ranks than text), IA3 scaling
 * the same layers, bottleneck adapters after each trunk layer.
 */
export const mlpPolicyPlacementDefaults: PlacementContribution = {
  architecture: 'mlp_policy',
  defaults: {
    LORA: { targetRoles: ['policy.trunk'] },
    IA3: { targetRoles: ['policy.trunk'] },
    BOTTLENECK: { targetRoles: ['block.ffn'] },
    '*': { targetRoles: ['policy.trunk'] },
  },
};

/** The transformer policy: LoRA on attention q/v and both feed-forward projections. */
export const transformerPolicyPlacementDefaults: PlacementContribution = {
  architecture: 'transformer_policy',
  defaults: {
    LORA: { targetRoles: ['attn.q', 'attn.v', 'ffn.up', 'ffn.down'] },
    IA3: { targetRoles: ['attn.k', 'attn.v', 'ffn.down'] },
    BOTTLENECK: { targetRoles: ['block.ffn'] },
    PREFIX_TUNING: { targetRoles: ['attention'] },
    '*': { targetRoles: ['attn.q', 'attn.v'] },
  },
};
