import { definePlacement, type Placement } from '@peftkit/core';
import { SEQ2SEQ_METHODS, SEQ2SEQ_ROLES, stackPaths } from '../seq2seq/seq2seq-roles.js';
import { type T5Config, t5FeedForward } from './config.js';

/**
 * T5's role map for a given config. Both stacks hold repeated blocks, and a placement has one
 * `layers` container, so every role is listed with absolute paths (encoder blocks, then decoder
 * blocks): `attn.*` are the self-attentions of both stacks, `xattn.*` the decoder's
 * `EncDecAttention`; gated feed-forwards map `ffn.gate` to `wi_0` and `ffn.up` to `wi_1`.
 * Per-layer selection (`layersToTransform`) is therefore not available for T5 roles.
 * `attention` (prefix tuning) is the decoder's `SelfAttention`, where HF PEFT puts prefixes, and
 * prompt learning uses HF's encoder-decoder layout (`transformerSubmodules: 2`).
 */
export function t5Placement(config: T5Config): Placement {
  const enc = { path: 'encoder.block', count: config.num_layers };
  const dec = { path: 'decoder.block', count: config.num_decoder_layers ?? config.num_layers };
  const both = (encRel: string, decRel: string) => [
    ...stackPaths([enc], encRel),
    ...stackPaths([dec], decRel),
  ];
  const selfAttn = (p: string) => both(`layer.0.SelfAttention.${p}`, `layer.0.SelfAttention.${p}`);
  const cross = (p: string) => stackPaths([dec], `layer.1.EncDecAttention.${p}`);
  const ff = (p: string) => both(`layer.1.DenseReluDense.${p}`, `layer.2.DenseReluDense.${p}`);
  const gated = t5FeedForward(config).gated;
  return definePlacement({
    architecture: 't5',
    declaredRoles: SEQ2SEQ_ROLES,
    supports: SEQ2SEQ_METHODS,
    transformerSubmodules: 2,
    modelRoles: {
      attention: stackPaths([dec], 'layer.0.SelfAttention'),
      'attn.q': selfAttn('q'),
      'attn.k': selfAttn('k'),
      'attn.v': selfAttn('v'),
      'attn.o': selfAttn('o'),
      'xattn.q': cross('q'),
      'xattn.k': cross('k'),
      'xattn.v': cross('v'),
      'xattn.o': cross('o'),
      'ffn.up': ff(gated ? 'wi_1' : 'wi'),
      ...(gated ? { 'ffn.gate': ff('wi_0') } : {}),
      'ffn.down': ff('wo'),
      embed: 'shared',
      norm: [
        ...both('layer.0.layer_norm', 'layer.0.layer_norm'),
        ...stackPaths([dec], 'layer.1.layer_norm'),
        ...both('layer.1.layer_norm', 'layer.2.layer_norm'),
        'encoder.final_layer_norm',
        'decoder.final_layer_norm',
      ],
    },
  });
}
