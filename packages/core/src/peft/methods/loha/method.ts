import { Conv2d, Linear } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import { defineTunerMethod, layerFactory } from '../../tuner.js';
import { type LohaConfig, lohaConfig, lohaSettingsFor } from './config.js';
import { LohaLayer } from './layer.js';

/**
 * LoHa as a `PeftMethod`: wraps Linear and (groups = 1) Conv2d targets in a `LohaLayer`.
 * Mergeable: ΔW is additive, so merge/unmerge add and subtract it.
 */
export const lohaMethod: PeftMethod<LohaConfig> = defineTunerMethod<LohaConfig>({
  peftType: 'LOHA',
  config: lohaConfig,
  factories: [
    layerFactory('Linear', Linear, LohaLayer),
    layerFactory('Conv2d (groups = 1)', Conv2d, LohaLayer, (m) => m.groups === 1),
  ],
  layerClasses: [LohaLayer],
  mergeable: true,
  layerConfig: (config, match) => ({ ...lohaSettingsFor(config, match.path) }),
});
