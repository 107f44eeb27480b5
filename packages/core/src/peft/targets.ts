import { editDistance } from '../common/close-matches.js';
import { type AnyModule, Linear } from '../nn/index.js';
import { AdapterLayer } from './adapter-layer.js';
import type { PeftConfigBase } from './config.js';
import { type Placement, resolveRole } from './placement.js';
import type { Role } from './roles.js';

export interface TargetMatch {
  path: string;
  module: AnyModule;
  layerIndex: number | undefined;
  by: string[];
}

export interface TargetResolution {
  matched: TargetMatch[];
  /** Each requested pattern/role with the number of modules it matched. */
  perPattern: { pattern: string; count: number }[];
  /** Requested patterns or roles that matched nothing. */
  unmatched: string[];
  /** Paths that matched but were removed by `excludeModules` or `layersToTransform`. */
  excluded: { path: string; by: string }[];
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
 * Resolves a config's targets against a model. Returns every match with the patterns/roles that
 * chose it, per-pattern counts, and what matched nothing, so callers can warn or fail loudly
 * instead of silently training on a subset (a known HF PEFT pain point).
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
  const byPath = new Map<string, { module: AnyModule; by: string[] }>();
  const perPattern: { pattern: string; count: number }[] = [];
  const add = (path: string, module: AnyModule, by: string): void => {
    const e = byPath.get(path) ?? { module, by: [] };
    if (!e.by.includes(by)) e.by.push(by);
    byPath.set(path, e);
  };

  const tm = spec.targetModules;
  if (tm === 'all-linear') {
    const heads = new Set([...(options.headPaths ?? []), ...headPathsOf(model, placement)]);
    let count = 0;
    for (const [path, m] of candidates) {
      if (unwrapBase(m) instanceof Linear && !heads.has(path)) {
        add(path, m, 'all-linear');
        count++;
      }
    }
    perPattern.push({ pattern: 'all-linear', count });
  } else if (typeof tm === 'string') {
    let count = 0;
    for (const [path, m] of candidates) {
      if (fullMatch(tm, path)) {
        add(path, m, `regex:${tm}`);
        count++;
      }
    }
    perPattern.push({ pattern: `regex:${tm}`, count });
  } else if (tm) {
    for (const name of tm) {
      let count = 0;
      for (const [path, m] of candidates) {
        if (matchesNameOrSuffix(path, name)) {
          add(path, m, name);
          count++;
        }
      }
      perPattern.push({ pattern: name, count });
    }
  }

  for (const role of spec.targetRoles ?? []) {
    if (!placement) {
      throw new Error(
        `targetRoles [${spec.targetRoles?.join(', ')}] need the architecture's placement, but none was given`,
      );
    }
    const targets = placement.roles.includes(role as Role) ? resolveRole(model, placement, role as Role) : [];
    for (const t of targets) add(t.path, t.module, `role:${role}`);
    perPattern.push({ pattern: `role:${role}`, count: targets.length });
  }

  const excluded: { path: string; by: string }[] = [];
  const matched: TargetMatch[] = [];
  const ex = spec.excludeModules;
  const layers = spec.layersToTransform === undefined ? undefined : [spec.layersToTransform].flat();
  for (const [path, { module, by }] of byPath) {
    const exBy =
      ex === undefined
        ? undefined
        : typeof ex === 'string'
          ? fullMatch(ex, path)
            ? `regex:${ex}`
            : undefined
          : ex.find((n) => matchesNameOrSuffix(path, n));
    if (exBy) {
      excluded.push({ path, by: `excludeModules:${exBy}` });
      continue;
    }
    const layerIndex = layerIndexOf(path, placement, spec.layersPattern);
    if (layers && (layerIndex === undefined || !layers.includes(layerIndex))) {
      excluded.push({ path, by: `layersToTransform:[${layers.join(',')}]` });
      continue;
    }
    matched.push({ path, module, layerIndex, by });
  }
  matched.sort(
    (a, b) => candidates.findIndex(([p]) => p === a.path) - candidates.findIndex(([p]) => p === b.path),
  );
  return {
    matched,
    perPattern,
    unmatched: perPattern.filter((p) => p.count === 0).map((p) => p.pattern),
    excluded,
  };
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
