import { Conv2d, Linear } from '../../../nn/index.js';
import type { DefaultTargets, DefaultTargetsContext } from '../../defaults.js';
import type { PeftMethod } from '../../method.js';
import type { Role } from '../../roles.js';
import { defineTunerMethod, layerFactory, type TunerMethodSpec } from '../../tuner.js';
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

/**
 * The variant's roles when the config names no targets. A placement that declares only some of
 * them is an error (a Houlsby adapter after the feed-forward block alone would silently be a
 * Pfeiffer one); one that declares none falls back on the architecture's default for BOTTLENECK.
 */
function variantTargets(config: BottleneckConfig, ctx: DefaultTargetsContext): DefaultTargets {
  const roles = BOTTLENECK_VARIANT_ROLES[config.variant];
  const { placement, architectureDefault } = ctx;
  const missing = placement ? roles.filter((r) => !placement.roles.includes(r)) : roles;
  if (placement && !missing.length) return { targetRoles: [...roles] };
  if (architectureDefault && missing.length === roles.length) return architectureDefault;
  if (!placement) {
    throw new Error(
      `BOTTLENECK: no targets given and the model has no placement to find roles ${roles.join(', ')}; ` +
        "set targetModules to the sub-layer output modules (for BERT: ['attention.output.dense', 'output.dense']) or pass a placement",
    );
  }
  throw new Error(
    `BOTTLENECK: variant '${config.variant}' goes at roles ${roles.join(', ')}, but placement '${placement.architecture}' ` +
      `does not declare ${missing.join(', ')}; declare them or set targetModules`,
  );
}

/**
 * Bottleneck adapters (Houlsby et al. 2019, Pfeiffer et al. 2020, He et al. 2021; AdapterHub's
 * `BnConfig`) as peftkit's `BOTTLENECK` method. Not mergeable.
 */
export const bottleneckMethod: PeftMethod<BottleneckConfig> = {
  ...tuner,
  defaultTargets: variantTargets,
};
