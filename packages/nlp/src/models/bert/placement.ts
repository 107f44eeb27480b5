import { definePlacement, type Placement } from '@peftkit/core';

/**
 * BERT's role map, relative to `BertModel` (task models re-root it under `bert`). Fused q/k/v
 * does not exist here; `block.attn` / `block.ffn` are the sub-layer output projections where
 * Houlsby/Pfeiffer adapters go; `attention` is the self-attention with the prefix hook.
 */
export const bertPlacement: Placement = definePlacement({
  architecture: 'bert',
  layers: 'encoder.layer',
  layerRoles: {
    'attn.q': 'attention.self.query',
    'attn.k': 'attention.self.key',
    'attn.v': 'attention.self.value',
    'attn.o': 'attention.output.dense',
    'ffn.up': 'intermediate.dense',
    'ffn.down': 'output.dense',
    block: '',
    'block.attn': 'attention.output.dense',
    'block.ffn': 'output.dense',
    attention: 'attention.self',
    norm: ['attention.output.LayerNorm', 'output.LayerNorm'],
  },
  modelRoles: {
    embed: 'embeddings.word_embeddings',
    norm: 'embeddings.LayerNorm',
  },
});
