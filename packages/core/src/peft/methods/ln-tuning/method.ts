import { BatchNorm2d, LayerNorm, RMSNorm } from '../../../nn/index.js';
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
 * LN tuning as a `PeftMethod`. Without targets it takes the placement's `norm` role, else every
 * normalisation module of the model (HF instead needs a per-architecture table or explicit
 * `target_modules`).
 */
export const lnTuningMethod: PeftMethod<LnTuningConfig> = {
  ...tuner,
  inject(ctx, config, adapterName) {
    const names = config.targetModules;
    const given = typeof names === 'string' || (Array.isArray(names) && names.length > 0);
    if (given || config.targetRoles?.length) return injectAdapter(spec, ctx, config, adapterName);
    if (ctx.placement?.roles.includes('norm')) {
      return injectAdapter(spec, ctx, { ...config, targetRoles: ['norm'] }, adapterName);
    }
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
