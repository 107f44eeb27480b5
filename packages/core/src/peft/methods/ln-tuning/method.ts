import { BatchNorm2d, LayerNorm, RMSNorm } from '../../../nn/index.js';
import { namesTargets } from '../../defaults.js';
import type { PeftMethod } from '../../method.js';
import { candidateModules, unwrapBase } from '../../targets.js';
import { defineTunerMethod, injectAdapter, type TunerMethodSpec } from '../../tuner.js';
import { type LnTuningConfig, lnTuningConfig } from './config.js';
import { LnTuningLayer } from './layer.js';

const NORM_TYPES = [LayerNorm, RMSNorm, BatchNorm2d] as const;

const spec: TunerMethodSpec<LnTuningConfig> = {
  peftType: 'LN_TUNING',
  config: lnTuningConfig,
  factories: [
    {
      // BatchNorm1d extends BatchNorm2d, so it is covered too.
      baseType: 'LayerNorm, RMSNorm, BatchNorm1d/2d',
      matches: (m) => NORM_TYPES.some((cls) => m instanceof cls),
      create: (base, routing) => new LnTuningLayer(base, routing),
    },
  ],
  layerClasses: [LnTuningLayer],
  mergeable: true,
};

const tuner = defineTunerMethod(spec);

/**
 * LN tuning as a `PeftMethod`. Without targets it takes the placement's `norm` role (else the
 * architecture's default for LN_TUNING), else every normalisation module of the model (HF
 * instead needs a per-architecture table or explicit `target_modules`).
 */
export const lnTuningMethod: PeftMethod<LnTuningConfig> = {
  ...tuner,
  defaultTargets: (_config, { placement, architectureDefault }) =>
    placement?.roles.includes('norm') ? { targetRoles: ['norm'] } : architectureDefault,
  inject(ctx, config, adapterName) {
    if (namesTargets(config)) return injectAdapter(spec, ctx, config, adapterName);
    const norms = candidateModules(ctx.model)
      .filter(([, m]) => NORM_TYPES.some((cls) => unwrapBase(m) instanceof cls))
      .map(([p]) => p);
    if (norms.length === 0) {
      throw new Error(
        'LN_TUNING: the model has no LayerNorm/RMSNorm/BatchNorm module and no placement norm role; pass targetModules',
      );
    }
    return injectAdapter(spec, ctx, { ...config, targetModules: norms }, adapterName);
  },
};
