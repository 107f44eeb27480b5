import type { PeftConfigBase } from '../../config.js';
import type { DefaultTargets, DefaultTargetsContext } from '../../defaults.js';
import type { InjectContext } from '../../method.js';
import type { Role } from '../../roles.js';
import { noTargetsError, resolveTargets, type TargetMatch, warnUnmatched } from '../../targets.js';

/**
 * Where a prompt-learning method attaches: the modules named by `targetModules` / `targetRoles`
 * when given (loading an adapter re-targets its saved paths this way), else the placement's
 * `role` (`embed` for prompt tuning, `attention` for prefix tuning). Errors say what is missing:
 * no placement, no such role, or nothing matched.
 */
export function resolvePromptTargets(
  ctx: InjectContext,
  config: PeftConfigBase,
  role: Role,
  peftType: string,
): TargetMatch[] {
  const names = config.targetModules;
  const given = typeof names === 'string' || (Array.isArray(names) && names.length > 0);
  let spec = config;
  if (!given && !config.targetRoles?.length) {
    if (!ctx.placement) {
      throw new Error(
        `${peftType}: the model has no placement, so its '${role}' module is unknown; pass { placement } ` +
          `(declaring '${role}') to getPeftModel, or name the module in targetModules`,
      );
    }
    if (!ctx.placement.roles.includes(role)) {
      throw new Error(
        `${peftType}: placement '${ctx.placement.architecture}' declares no '${role}' role; add it to the ` +
          'placement or name the module in targetModules',
      );
    }
    spec = { ...config, targetRoles: [role] };
  }
  const r = resolveTargets(ctx.model, spec, { placement: ctx.placement });
  if (r.matched.length === 0) throw noTargetsError(ctx.model, spec, peftType);
  warnUnmatched(ctx.warn, peftType, r.unmatched, r.matched.length);
  return r.matched;
}

/**
 * A prompt-learning method's `defaultTargets`: its `role` when the placement declares it, else
 * the architecture's entry for the method; else none, and `resolvePromptTargets` says what is
 * missing.
 */
export function promptDefaultTargets(
  role: Role,
): (config: unknown, ctx: DefaultTargetsContext) => DefaultTargets | undefined {
  return (_config, { placement, architectureDefault }) =>
    placement?.roles.includes(role) ? { targetRoles: [role] } : architectureDefault;
}
