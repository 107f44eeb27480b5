import type { Parameter } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import type { TargetSpec } from '../../targets.js';
import { unwrapBase } from '../../targets.js';
import { baseParameters } from '../selective/base-parameters.js';
import { defineInPlaceMethod } from '../selective/in-place.js';
import { describe, resolveUnion, uniqueParameters } from '../selective/select.js';
import { type BitfitConfig, bitfitConfig } from './config.js';

function isBias(path: string): boolean {
  return path === 'bias' || path.endsWith('.bias');
}

/** The biases among a module's base parameters. */
function biasesOf(module: Parameters<typeof baseParameters>[0]): Parameter[] {
  return baseParameters(module)
    .filter(([path]) => isBias(path))
    .map(([, p]) => p);
}

/**
 * BitFit as a `PeftMethod`: biases train in place (shared in-place engine with SELECTIVE). Saved
 * as `base_model.model.<path>.bias` in PyTorch layout; `adapter_config.json` says
 * `"peft_type": "BITFIT"`.
 */
export const bitfitMethod: PeftMethod<BitfitConfig> = defineInPlaceMethod<BitfitConfig>({
  peftType: 'BITFIT',
  config: bitfitConfig,
  select(ctx, config) {
    const names = config.targetModules;
    const hasNames = typeof names === 'string' || (Array.isArray(names) && names.length > 0);
    const restricted = hasNames || !!config.targetRoles?.length;
    if (!restricted && config.layersToTransform === undefined && config.excludeModules === undefined) {
      const params = biasesOf(ctx.model);
      if (params.length === 0) throw new Error('BITFIT: the model has no bias parameters to train');
      return { params, targets: [] };
    }
    // Without names, "every module" narrowed by layersToTransform / excludeModules.
    const spec: TargetSpec = restricted
      ? { targetModules: hasNames ? names : undefined, targetRoles: config.targetRoles }
      : { targetModules: '.*' };
    const matched = resolveUnion(ctx, 'BITFIT', [spec], config);
    const lists = matched.map((m) => {
      const params = biasesOf(m.module);
      if (params.length === 0 && restricted) {
        throw new Error(
          `BITFIT: ${describe(m.path, unwrapBase(m.module))} has no bias parameter; target modules with biases`,
        );
      }
      return params;
    });
    const params = uniqueParameters(lists);
    if (params.length === 0) throw new Error('BITFIT: the selected modules have no bias parameters');
    return { params, targets: restricted ? matched.map((m) => m.path) : [] };
  },
});
