import { definePlacement } from '@peftkit/core';

/**
 * Where the MLP's roles live. The `head` role is added by the host from the head's own modules,
 * so every architecture gets it without declaring it.
 */
export const mlpPlacement = definePlacement({
  architecture: 'tabular-mlp',
  layers: 'layers',
  layerRoles: { 'ffn.up': 'up', 'ffn.down': 'down', norm: 'norm', block: '' },
  modelRoles: { embed: 'input' },
});
