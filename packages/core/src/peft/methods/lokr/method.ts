import { Conv2d, Linear } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import { defineTunerMethod } from '../../tuner.js';
import { type LokrConfig, lokrConfig, lokrSettingsFor } from './config.js';
import { LokrLayer } from './layer.js';

/**
 * LoKr as a `PeftMethod`: wraps Linear and Conv2d targets (any `groups`: HF factors
 * `in/groups`) in a `LokrLayer`. Mergeable: ΔW is additive.
 */
export const lokrMethod: PeftMethod<LokrConfig> = defineTunerMethod<LokrConfig>({
  peftType: 'LOKR',
  config: lokrConfig,
  factories: [
    {
      baseType: 'Linear',
      matches: (m) => m instanceof Linear,
      create: (base, routing) => new LokrLayer(base, routing),
    },
    {
      baseType: 'Conv2d',
      matches: (m) => m instanceof Conv2d,
      create: (base, routing) => new LokrLayer(base, routing),
    },
  ],
  layerClasses: [LokrLayer],
  mergeable: true,
  layerConfig: (config, match) => ({ ...lokrSettingsFor(config, match.path) }),
});
