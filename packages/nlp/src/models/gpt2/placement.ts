import { definePlacement, type Placement } from '@peftkit/core';

/**
 * GPT-2's role map, relative to `Gpt2Model` (task models re-root it under `transformer`). q, k
 * and v live in one fused `c_attn`, so the placement declares `attn.qkv` and not `attn.q/k/v`.
 */
export const gpt2Placement: Placement = definePlacement({
  architecture: 'gpt2',
  layers: 'h',
  layerRoles: {
    'attn.qkv': 'attn.c_attn',
    'attn.o': 'attn.c_proj',
    'ffn.up': 'mlp.c_fc',
    'ffn.down': 'mlp.c_proj',
    block: '',
    'block.attn': 'attn.c_proj',
    'block.ffn': 'mlp.c_proj',
    attention: 'attn',
    norm: ['ln_1', 'ln_2'],
  },
  modelRoles: {
    embed: 'wte',
    norm: 'ln_f',
  },
});
