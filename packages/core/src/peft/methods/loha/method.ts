import { Conv2d, Linear } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import { defineTunerMethod } from '../../tuner.js';
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
    {
      baseType: 'Linear',
      matches: (m) => m instanceof Linear,
      create: (base, routing) => new LohaLayer(base, routing),
    },
    {
      baseType: 'Conv2d (groups = 1)',
      matches: (m) => m instanceof Conv2d && m.groups === 1,
      create: (base, routing) => new LohaLayer(base, routing),
    },
  ],
  layerClasses: [LohaLayer],
  mergeable: true,
  layerConfig: (config, match) => ({ ...lohaSettingsFor(config, match.path) }),
});
