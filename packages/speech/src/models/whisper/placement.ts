import { definePlacement, type Placement } from '@peftkit/core';

/** The per-layer roles of a pre-norm encoder layer (`PreNormEncoderLayer`). */
export const PRE_NORM_LAYER_ROLES = {
  'attn.q': 'self_attn.q_proj',
  'attn.k': 'self_attn.k_proj',
  'attn.v': 'self_attn.v_proj',
  'attn.o': 'self_attn.out_proj',
  'ffn.up': 'fc1',
  'ffn.down': 'fc2',
  block: '',
  'block.attn': 'self_attn.out_proj',
  'block.ffn': 'fc2',
  attention: 'self_attn',
  norm: ['self_attn_layer_norm', 'final_layer_norm'],
} as const;

/**
 * Whisper encoder's role map, relative to `WhisperEncoder` (a head re-roots it). `conv` is the
 * conv stem (`conv1`, `conv2`); `attention` is core's `MultiHeadAttention` with its prefix hook.
 * There is no `embed` role: the input is continuous features, not tokens.
 */
export const whisperPlacement: Placement = definePlacement({
  architecture: 'whisper',
  layers: 'layers',
  layerRoles: PRE_NORM_LAYER_ROLES,
  modelRoles: { conv: ['conv1', 'conv2'], norm: 'layer_norm' },
});
