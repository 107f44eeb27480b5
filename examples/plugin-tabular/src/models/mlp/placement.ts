import { definePlacement, defineRoles } from '@peftkit/core';

/**
 * Roles the tabular plugin adds to core's vocabulary. `tabular.features` is the one Linear that
 * reads the raw feature columns: when the columns' meaning or scale shifts between the source
 * and target tables, a low-rank update there re-weights the features without touching the blocks.
 */
export const TABULAR_ROLES = defineRoles({
  'tabular.features': 'the Linear that reads the standardised feature columns (features -> hidden)',
});

/**
 * Where the MLP's roles live. The `head` role is added by the host from the head's own modules,
 * so every architecture gets it without declaring it.
 */
export const mlpPlacement = definePlacement({
  architecture: 'tabular-mlp',
  declaredRoles: TABULAR_ROLES,
  layers: 'layers',
  layerRoles: { 'ffn.up': 'up', 'ffn.down': 'down', norm: 'norm', block: '' },
  modelRoles: { embed: 'input', 'tabular.features': 'input' },
});
