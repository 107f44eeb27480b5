import { definePlacement, type Placement } from '@peftkit/core';
import { PRE_NORM_LAYER_ROLES } from '../whisper/placement.js';
import { CONV_TRANSFORMER_TYPE } from './config.js';

/** The from-scratch encoder's role map: Whisper's per-layer roles, `conv` on the conv stem. */
export const convTransformerPlacement: Placement = definePlacement({
  architecture: CONV_TRANSFORMER_TYPE,
  layers: 'layers',
  layerRoles: PRE_NORM_LAYER_ROLES,
  modelRoles: { conv: ['conv1', 'conv2'], norm: 'layer_norm' },
});
