import { Conv2d, Linear } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import { defineTunerMethod, layerFactory } from '../../tuner.js';
import { type LokrConfig, lokrConfig, lokrSettingsFor } from './config.js';
import { LokrLayer } from './layer.js';

/**
 * LoKr as a `PeftMethod`: wraps Linear and Conv2d targets (any `groups`: HF factors
 * `in/groups`) in a `LokrLayer`. Mergeable: ΔW is additive.
 */
export const lokrMethod: PeftMethod<LokrConfig> = defineTunerMethod<LokrConfig>({
  peftType: 'LOKR',
  config: lokrConfig,
  factories: [layerFactory('Linear', Linear, LokrLayer), layerFactory('Conv2d', Conv2d, LokrLayer)],
  layerClasses: [LokrLayer],
  mergeable: true,
  layerConfig: (config, match) => ({ ...lokrSettingsFor(config, match.path) }),
});
