import { definePlacement, type Placement } from '@peftkit/core';

/**
 * Where the roles live in a `ViTModel` (paths relative to the model). Per layer: `attn.q/k/v/o`,
 * `ffn.up/down`, `block` (the whole layer), `block.attn` / `block.ffn` (the Linear whose output
 * a bottleneck adapter follows: the attention and FFN output projections, as AdapterHub places
 * Houlsby/Pfeiffer adapters), `attention` (the prefix-tuning host), `norm`; model-wide `embed`
 * (the patch projection) and the final `norm`. A head adds `head` when it roots this placement.
 */
export function vitPlacement(prefix = ''): Placement {
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  return definePlacement({
    architecture: 'vit',
    layers: p('encoder.layer'),
    layerRoles: {
      'attn.q': 'attention.attention.query',
      'attn.k': 'attention.attention.key',
      'attn.v': 'attention.attention.value',
      'attn.o': 'attention.output.dense',
      'ffn.up': 'intermediate.dense',
      'ffn.down': 'output.dense',
      block: '',
      'block.attn': 'attention.output.dense',
      'block.ffn': 'output.dense',
      attention: 'attention.attention',
      norm: ['layernorm_before', 'layernorm_after'],
    },
    modelRoles: { embed: p('embeddings.patch_embeddings.projection'), norm: p('layernorm') },
  });
}
