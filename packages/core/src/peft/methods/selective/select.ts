import type { AnyModule, Parameter } from '../../../nn/index.js';
import type { PeftConfigBase } from '../../config.js';
import type { InjectContext } from '../../method.js';
import {
  noTargetsError,
  resolveTargets,
  type TargetMatch,
  type TargetSpec,
  warnUnmatched,
} from '../../targets.js';

/**
 * Resolves several target specs (each with its own module names or regex) and unions the
 * matches by path, so SELECTIVE can combine `trainableModules` with `targetModules`. Nothing
 * matched is an error listing the closest module names; patterns that matched nothing are
 * reported through `ctx.warn`, as the tuner walker does.
 */
export function resolveUnion(
  ctx: InjectContext,
  peftType: string,
  specs: readonly TargetSpec[],
  common: Pick<PeftConfigBase, 'excludeModules' | 'layersToTransform' | 'layersPattern'>,
): TargetMatch[] {
  const byPath = new Map<string, TargetMatch>();
  const unmatched: string[] = [];
  const { excludeModules, layersToTransform, layersPattern } = common;
  const narrowing = { excludeModules, layersToTransform, layersPattern };
  for (const spec of specs) {
    const r = resolveTargets(ctx.model, { ...spec, ...narrowing }, { placement: ctx.placement });
    for (const m of r.matched) if (!byPath.has(m.path)) byPath.set(m.path, m);
    unmatched.push(...r.unmatched);
  }
  if (byPath.size === 0) {
    const names = specs.flatMap((s) =>
      typeof s.targetModules === 'string' ? [s.targetModules] : (s.targetModules ?? []),
    );
    throw noTargetsError(
      ctx.model,
      { ...narrowing, targetModules: names, targetRoles: specs.flatMap((s) => s.targetRoles ?? []) },
      peftType,
    );
  }
  warnUnmatched(ctx.warn, peftType, unmatched, byPath.size);
  const order = new Map(ctx.model.namedModules()).keys();
  const rank = new Map([...order].map((p, i) => [p, i]));
  return [...byPath.values()].sort((a, b) => (rank.get(a.path) ?? 0) - (rank.get(b.path) ?? 0));
}

/** Unique parameters in first-seen order. */
export function uniqueParameters(lists: Iterable<readonly Parameter[]>): Parameter[] {
  const seen = new Set<Parameter>();
  const out: Parameter[] = [];
  for (const list of lists) {
    for (const p of list) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(p);
    }
  }
  return out;
}

/** `path (Type)` for error messages. */
export function describe(path: string, module: AnyModule): string {
  return `'${path}' (${module.typeName})`;
}
