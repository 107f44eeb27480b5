import { definePlacement, type Placement } from '@peftkit/core';

/**
 * DistilBERT's role map, relative to `DistilBertModel` (task models re-root it under
 * `distilbert`). `block.attn` / `block.ffn` are the sub-layer output projections where
 * Houlsby/Pfeiffer adapters go; `attention` is the self-attention with the prefix hook.
 */
export const distilBertPlacement: Placement = definePlacement({
  architecture: 'distilbert',
  layers: 'transformer.layer',
  layerRoles: {
    'attn.q': 'attention.q_lin',
    'attn.k': 'attention.k_lin',
    'attn.v': 'attention.v_lin',
    'attn.o': 'attention.out_lin',
    'ffn.up': 'ffn.lin1',
    'ffn.down': 'ffn.lin2',
    block: '',
    'block.attn': 'attention.out_lin',
    'block.ffn': 'ffn.lin2',
    attention: 'attention',
    norm: ['sa_layer_norm', 'output_layer_norm'],
  },
  modelRoles: {
    embed: 'embeddings.word_embeddings',
    norm: 'embeddings.LayerNorm',
  },
});
