import { editDistance } from '../common/close-matches.js';
import { type AnyModule, Linear } from '../nn/index.js';
import { AdapterLayer } from './adapter-layer.js';
import type { PeftConfigBase } from './config.js';
import { type Placement, resolveRole } from './placement.js';
import type { Role } from './roles.js';

/** One module to adapt; `layerIndex` lets a method's `layerConfig` vary settings per layer. */
export interface TargetMatch {
  path: string;
  module: AnyModule;
  layerIndex: number | undefined;
}

export interface TargetResolution {
  /** The modules to adapt, in model order. */
  matched: TargetMatch[];
  /** Requested patterns or roles that matched nothing (`role:` before roles, `regex:` before a regex). */
  unmatched: string[];
}

export type TargetSpec = Pick<
  PeftConfigBase,
  'targetModules' | 'targetRoles' | 'excludeModules' | 'layersToTransform' | 'layersPattern'
>;

/** True when `path` equals `name` or ends with `.name` (HF PEFT's suffix rule). */
export function matchesNameOrSuffix(path: string, name: string): boolean {
  return path === name || path.endsWith(`.${name}`);
}

/**
 * The value of the first pattern matching `path`, as HF PEFT's `get_pattern_key` (for
 * `rank_pattern` / `alpha_pattern`): a pattern matches when it equals the path, is a dotted
 * suffix of it, or is a regular expression matching the end of the path at a segment boundary.
 */
export function patternValue<T>(patterns: Readonly<Record<string, T>>, path: string): T | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    if (path === pattern || path.endsWith(`.${pattern}`)) return value;
    try {
      if (new RegExp(`(?:^|\\.)(?:${pattern})$`).test(path)) return value;
    } catch {
      // Not a valid regex: only the suffix rule applies.
    }
  }
  return undefined;
}

function fullMatch(pattern: string, path: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(path);
}

/**
 * Candidate modules: every module of the tree, skipping the insides of adapter layers (their
 * `base_layer` and adapter parts are not targets in their own right; the adapter layer stands at
 * the original path).
 */
export function candidateModules(model: AnyModule): [string, AnyModule][] {
  const out: [string, AnyModule][] = [];
  const walk = (m: AnyModule, path: string): void => {
    out.push([path, m]);
    if (m instanceof AdapterLayer) return;
    for (const [name, child] of m.namedChildren()) walk(child, path ? `${path}.${name}` : name);
  };
  walk(model, '');
  return out.filter(([p]) => p !== '');
}

/** The module an adapter layer wraps, or the module itself. */
export function unwrapBase(m: AnyModule): AnyModule {
  let cur = m;
  while (cur instanceof AdapterLayer) cur = cur.base;
  return cur;
}

/** Layer index of `path`: from the placement's layer container, else `layersPattern`, else the first numeric segment. */
export function layerIndexOf(
  path: string,
  placement: Placement | undefined,
  layersPattern?: string | string[],
): number | undefined {
  const patterns =
    layersPattern === undefined ? [] : typeof layersPattern === 'string' ? [layersPattern] : layersPattern;
  if (patterns.length) {
    for (const pat of patterns) {
      const m = new RegExp(`(?:^|\\.)${escapeRegExp(pat)}\\.(\\d+)(?:\\.|$)`).exec(path);
      if (m) return Number(m[1]);
    }
    return undefined;
  }
  if (placement?.layers) {
    const prefix = `${placement.layers}.`;
    if (path.startsWith(prefix)) {
      const idx = /^(\d+)(?:\.|$)/.exec(path.slice(prefix.length));
      if (idx) return Number(idx[1]);
    }
    return undefined;
  }
  const m = /(?:^|\.)(\d+)(?:\.|$)/.exec(path);
  return m ? Number(m[1]) : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Resolves a config's targets against a model: every match, and the patterns/roles that matched
 * nothing, so callers can warn or fail loudly instead of silently training on a subset (a known
 * HF PEFT pain point).
 *
 * `headPaths` are excluded from `'all-linear'` (the output head is not adapted).
 */
export function resolveTargets(
  model: AnyModule,
  spec: TargetSpec,
  options: { placement?: Placement; headPaths?: readonly string[] } = {},
): TargetResolution {
  const { placement } = options;
  const candidates = candidateModules(model);
  const byPath = new Map<string, AnyModule>();
  const unmatched: string[] = [];
  /** Adds the modules `pattern` found; records `pattern` as unmatched when it found none. */
  const collect = (pattern: string, found: Iterable<[string, AnyModule]>): void => {
    let count = 0;
    for (const [path, m] of found) {
      byPath.set(path, m);
      count++;
    }
    if (count === 0) unmatched.push(pattern);
  };

  const tm = spec.targetModules;
  if (tm === 'all-linear') {
    const heads = new Set([...(options.headPaths ?? []), ...headPathsOf(model, placement)]);
    collect(
      'all-linear',
      candidates.filter(([path, m]) => unwrapBase(m) instanceof Linear && !heads.has(path)),
    );
  } else if (typeof tm === 'string') {
    collect(
      `regex:${tm}`,
      candidates.filter(([path]) => fullMatch(tm, path)),
    );
  } else if (tm) {
    for (const name of tm) {
      collect(
        name,
        candidates.filter(([path]) => matchesNameOrSuffix(path, name)),
      );
    }
  }

  for (const role of spec.targetRoles ?? []) {
    if (!placement) {
      throw new Error(
        `targetRoles [${spec.targetRoles?.join(', ')}] need the architecture's placement, but none was given`,
      );
    }
    const targets = placement.roles.includes(role as Role) ? resolveRole(model, placement, role as Role) : [];
    collect(
      `role:${role}`,
      targets.map((t) => [t.path, t.module]),
    );
  }

  const matched: TargetMatch[] = [];
  const ex = spec.excludeModules;
  const layers = spec.layersToTransform === undefined ? undefined : [spec.layersToTransform].flat();
  for (const [path, module] of byPath) {
    const excluded =
      ex === undefined
        ? false
        : typeof ex === 'string'
          ? fullMatch(ex, path)
          : ex.some((n) => matchesNameOrSuffix(path, n));
    if (excluded) continue;
    const layerIndex = layerIndexOf(path, placement, spec.layersPattern);
    if (layers && (layerIndex === undefined || !layers.includes(layerIndex))) continue;
    matched.push({ path, module, layerIndex });
  }
  matched.sort(
    (a, b) => candidates.findIndex(([p]) => p === a.path) - candidates.findIndex(([p]) => p === b.path),
  );
  return { matched, unmatched };
}

function headPathsOf(model: AnyModule, placement: Placement | undefined): string[] {
  if (!placement?.roles.includes('head')) return [];
  return resolveRole(model, placement, 'head').map((t) => t.path);
}

/**
 * Reports the patterns or roles that matched nothing while others matched `matched` modules
 * (HF PEFT drops them silently); nothing when every one matched.
 */
export function warnUnmatched(
  warn: (message: string) => void,
  peftType: string,
  unmatched: readonly string[],
  matched: number,
): void {
  if (!unmatched.length) return;
  warn(
    `${peftType}: these targets matched no module and were ignored: ${unmatched.join(', ')} ` +
      `(matched ${matched} modules through the others)`,
  );
}

/**
 * The error for "nothing matched": lists the module names closest to what was asked, with types,
 * so a typo (`querry`) is obvious.
 */
export function noTargetsError(model: AnyModule, spec: TargetSpec, peftType: string): Error {
  const asked = [
    ...(typeof spec.targetModules === 'string' ? [spec.targetModules] : (spec.targetModules ?? [])),
    ...(spec.targetRoles ?? []).map((r) => `role:${r}`),
  ];
  const cands = candidateModules(model).map(([p, m]) => ({
    path: p,
    type: unwrapBase(m).typeName,
    last: p.split('.').pop() ?? p,
  }));
  const names = [...new Map(cands.map((c) => [c.last, c])).values()];
  const score = (c: { last: string }) =>
    Math.min(...asked.map((a) => editDistance(a.split('.').pop() ?? a, c.last)));
  const closest = names
    .sort((a, b) => score(a) - score(b))
    .slice(0, 8)
    .map((c) => `${c.last} (${c.type}, e.g. ${c.path})`);
  return new Error(
    `${peftType}: no module matched the targets [${asked.join(', ') || 'none given'}]` +
      `${spec.excludeModules || spec.layersToTransform !== undefined ? ' after excludeModules/layersToTransform' : ''}. ` +
      `Closest module names: ${closest.join('; ')}`,
  );
}
