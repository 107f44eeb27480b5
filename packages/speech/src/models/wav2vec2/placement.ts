import { definePlacement, type Placement } from '@peftkit/core';
import { hasFeatureProjectionNorm, type Wav2Vec2FamilyConfig } from './config.js';

/**
 * The role map of wav2vec2 / HuBERT, relative to `Wav2Vec2Model` (a CTC or utterance head
 * re-roots it under `wav2vec2` / `hubert`, as HF task models do). `conv` is the conv feature
 * encoder; `attention` is core's `MultiHeadAttention` with its prefix hook. The positional conv
 * (weight-normed) and MMS `adapter_layer`s play no role.
 */
export function wav2vec2Placement(config: Wav2Vec2FamilyConfig): Placement {
  const norms = ['encoder.layer_norm'];
  if (hasFeatureProjectionNorm(config)) norms.push('feature_projection.layer_norm');
  if (config.feat_extract_norm === 'layer') {
    norms.push(...config.conv_dim.map((_, i) => `feature_extractor.conv_layers.${i}.layer_norm`));
  }
  return definePlacement({
    architecture: config.model_type,
    layers: 'encoder.layers',
    layerRoles: {
      'attn.q': 'attention.q_proj',
      'attn.k': 'attention.k_proj',
      'attn.v': 'attention.v_proj',
      'attn.o': 'attention.out_proj',
      'ffn.up': 'feed_forward.intermediate_dense',
      'ffn.down': 'feed_forward.output_dense',
      block: '',
      'block.attn': 'attention.out_proj',
      'block.ffn': 'feed_forward.output_dense',
      attention: 'attention',
      norm: ['layer_norm', 'final_layer_norm'],
    },
    modelRoles: {
      conv: config.conv_dim.map((_, i) => `feature_extractor.conv_layers.${i}.conv`),
      norm: norms,
    },
  });
}
