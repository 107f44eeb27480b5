import type { PeftMethod } from '../../method.js';
import type { TargetSpec } from '../../targets.js';
import { unwrapBase } from '../../targets.js';
import { baseParameters } from './base-parameters.js';
import { type SelectiveConfig, selectiveConfig } from './config.js';
import { defineInPlaceMethod } from './in-place.js';
import { describe, resolveUnion, uniqueParameters } from './select.js';

const inPlace: PeftMethod<SelectiveConfig> = defineInPlaceMethod<SelectiveConfig>({
  peftType: 'SELECTIVE',
  config: selectiveConfig,
  select(ctx, config) {
    if (config.trainableModules === 'full') {
      const params = baseParameters(ctx.model).map(([, p]) => p);
      if (params.length === 0) throw new Error('SELECTIVE: the model has no parameters to train');
      return { params, targets: [] };
    }
    const specs: TargetSpec[] = [];
    if (config.trainableModules !== undefined || config.targetRoles?.length) {
      specs.push({ targetModules: config.trainableModules, targetRoles: config.targetRoles });
    }
    const extra = config.targetModules;
    if (typeof extra === 'string' || (Array.isArray(extra) && extra.length))
      specs.push({ targetModules: extra });
    const matched = resolveUnion(ctx, 'SELECTIVE', specs, config);
    const lists = matched.map((m) => {
      const params = baseParameters(m.module).map(([, p]) => p);
      if (params.length === 0) {
        throw new Error(`SELECTIVE: ${describe(m.path, unwrapBase(m.module))} has no parameters to train`);
      }
      return params;
    });
    return { params: uniqueParameters(lists), targets: matched.map((m) => m.path) };
  },
});

/**
 * SELECTIVE as a `PeftMethod`: the parameters of the chosen modules train in place (see
 * `in-place.ts` for how several adapters, disabling and unloading stay honest). Saved under
 * `base_model.model.<path>`; loading writes them back into the base.
 */
export const selectiveMethod: PeftMethod<SelectiveConfig> = {
  ...inPlace,
  // What trains is always named (`trainableModules`, roles or names; the config refuses none), so
  // an architecture's default targets ('*': attn.q/attn.v) must never join the selection.
  defaultTargets: () => undefined,
};
