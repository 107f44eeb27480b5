import { definePlacement, type Placement } from '@peftkit/core';
import { SEQ2SEQ_METHODS, SEQ2SEQ_ROLES, stackPaths } from '../seq2seq/seq2seq-roles.js';
import type { BartConfig } from './config.js';

/**
 * BART's / Marian's role map for a given config, with absolute paths (encoder layers, then
 * decoder layers; see `t5Placement` for why): `attn.*` the self-attentions of both stacks,
 * `xattn.*` the decoder's `encoder_attn`, `ffn.up/down` `fc1`/`fc2`, `embed` `model.shared`;
 * `attention` (prefix tuning) the decoder's `self_attn`, where HF PEFT puts prefixes, and prompt
 * learning uses HF's encoder-decoder layout (`transformerSubmodules: 2`).
 */
export function bartPlacement(config: BartConfig): Placement {
  const enc = { path: 'model.encoder.layers', count: config.encoder_layers };
  const dec = { path: 'model.decoder.layers', count: config.decoder_layers };
  const both = (rel: string) => stackPaths([enc, dec], rel);
  const cross = (rel: string) => stackPaths([dec], rel);
  return definePlacement({
    architecture: config.model_type,
    declaredRoles: SEQ2SEQ_ROLES,
    supports: SEQ2SEQ_METHODS,
    transformerSubmodules: 2,
    modelRoles: {
      attention: cross('self_attn'),
      'attn.q': both('self_attn.q_proj'),
      'attn.k': both('self_attn.k_proj'),
      'attn.v': both('self_attn.v_proj'),
      'attn.o': both('self_attn.out_proj'),
      'xattn.q': cross('encoder_attn.q_proj'),
      'xattn.k': cross('encoder_attn.k_proj'),
      'xattn.v': cross('encoder_attn.v_proj'),
      'xattn.o': cross('encoder_attn.out_proj'),
      'ffn.up': both('fc1'),
      'ffn.down': both('fc2'),
      embed: 'model.shared',
      norm: [
        ...both('self_attn_layer_norm'),
        ...cross('encoder_attn_layer_norm'),
        ...both('final_layer_norm'),
        ...(config.model_type === 'bart'
          ? ['model.encoder.layernorm_embedding', 'model.decoder.layernorm_embedding']
          : []),
      ],
    },
  });
}
