import { Conv2d, Linear } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import type { Placement } from '../../placement.js';
import type { Role } from '../../roles.js';
import { defineTunerMethod, injectAdapter, layerFactory, type TunerMethodSpec } from '../../tuner.js';
import {
  type BottleneckConfig,
  type BottleneckVariant,
  bottleneckConfig,
  bottleneckLayerSettings,
} from './config.js';
import { BottleneckLayer } from './layer.js';

/**
 * Where each variant goes when no targets are given: Houlsby after the attention and the
 * feed-forward sub-layers, Pfeiffer and parallel at the feed-forward sub-layer only.
 */
export const BOTTLENECK_VARIANT_ROLES: Readonly<Record<BottleneckVariant, readonly Role[]>> = {
  houlsby: ['block.attn', 'block.ffn'],
  pfeiffer: ['block.ffn'],
  parallel: ['block.ffn'],
};

const spec: TunerMethodSpec<BottleneckConfig> = {
  peftType: 'BOTTLENECK',
  config: bottleneckConfig,
  factories: [
    layerFactory('Linear', Linear, BottleneckLayer),
    layerFactory('Conv2d', Conv2d, BottleneckLayer),
  ],
  layerClasses: [BottleneckLayer],
  mergeable: false,
  layerConfig: (config) => ({ ...bottleneckLayerSettings(config) }),
};

const tuner = defineTunerMethod(spec);

function withVariantTargets(config: BottleneckConfig, placement: Placement | undefined): BottleneckConfig {
  if (config.targetModules !== undefined || config.targetRoles?.length) return config;
  const roles = BOTTLENECK_VARIANT_ROLES[config.variant];
  if (!placement) {
    throw new Error(
      `BOTTLENECK: no targets given and the model has no placement to find roles ${roles.join(', ')}; ` +
        "set targetModules to the sub-layer output modules (for BERT: ['attention.output.dense', 'output.dense']) or pass a placement",
    );
  }
  const missing = roles.filter((r) => !placement.roles.includes(r));
  if (missing.length) {
    throw new Error(
      `BOTTLENECK: variant '${config.variant}' goes at roles ${roles.join(', ')}, but placement '${placement.architecture}' ` +
        `does not declare ${missing.join(', ')}; declare them or set targetModules`,
    );
  }
  return { ...config, targetRoles: [...roles] };
}

/**
 * Bottleneck adapters (Houlsby et al. 2019, Pfeiffer et al. 2020, He et al. 2021; AdapterHub's
 * `BnConfig`) as peftkit's `BOTTLENECK` method. Not mergeable.
 */
export const bottleneckMethod: PeftMethod<BottleneckConfig> = {
  ...tuner,
  inject: (ctx, config, adapterName) =>
    injectAdapter(spec, ctx, withVariantTargets(config, ctx.placement), adapterName),
};
