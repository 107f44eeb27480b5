import { didYouMean } from '../common/close-matches.js';
import type { AnyModule } from '../nn/index.js';
import {
  type CoreRole,
  isCoreRole,
  type PluginRole,
  ROLE_NAMES,
  type Role,
  type RoleDeclarations,
  roleDeclarationProblems,
} from './roles.js';

/**
 * Where an architecture's roles live. Per-layer roles are paths relative to each numbered child
 * of `layers` (e.g. `layers: 'encoder.layer'`, `'attn.q': 'attention.self.query'`); model roles
 * are absolute paths that occur once. A role may map to several paths.
 *
 * `R` is inferred from `declaredRoles`, so editors complete core's roles plus the declared ones
 * in `layerRoles` / `modelRoles`, and a mistyped key does not compile.
 */
export interface PlacementSpec<R extends PluginRole = never> {
  architecture: string;
  /** Roles beyond core's vocabulary that this placement uses, with descriptions (`defineRoles`). */
  declaredRoles?: RoleDeclarations<R>;
  /** Path of the container whose numbered children ('0', '1', ...) are the repeated blocks. */
  layers?: string;
  layerRoles?: Partial<Record<CoreRole | NoInfer<R>, string | readonly string[]>>;
  modelRoles?: Partial<Record<CoreRole | NoInfer<R>, string | readonly string[]>>;
  /** PEFT types this architecture supports (upper case, e.g. 'LORA'); omitted = all. */
  supports?: readonly string[];
  /**
   * HF PEFT's `num_transformer_submodules` for prompt learning on this architecture: 2 for
   * encoder-decoders (what HF sets for task `SEQ_2_SEQ_LM`: the saved prompt has a row block per
   * stack, and prefixes follow HF's encoder-decoder layer layout), else 1 (the default).
   */
  transformerSubmodules?: 1 | 2;
}

/** A validated, frozen placement. */
export interface Placement {
  readonly architecture: string;
  readonly layers: string | undefined;
  readonly layerRoles: Readonly<Partial<Record<Role, readonly string[]>>>;
  readonly modelRoles: Readonly<Partial<Record<Role, readonly string[]>>>;
  readonly supports: readonly string[] | undefined;
  /** See `PlacementSpec.transformerSubmodules` (1 when not declared). */
  readonly transformerSubmodules: 1 | 2;
  /** The roles this placement maps (core's and declared ones), in declaration order. */
  readonly roles: readonly Role[];
  /** The plugin roles it declares, with descriptions (empty when it uses only core's). */
  readonly declaredRoles: RoleDeclarations;
}

/** One module that plays a role. `layerIndex` is set for per-layer roles. */
export interface RoleTarget {
  role: Role;
  path: string;
  layerIndex: number | undefined;
  module: AnyModule;
}

function toList(v: string | readonly string[] | undefined): readonly string[] {
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

/**
 * Validates a placement on construction: role names are core's or declared in `declaredRoles`
 * (whose names and descriptions are checked too), paths are non-empty, and never both separate
 * q/k/v projections and a fused qkv (a method would adapt the same weights twice).
 *
 * @example
 * const ROLES = defineRoles({ 'tabular.features': 'the Linear reading the feature columns' });
 * definePlacement({ architecture: 'tabular-mlp', declaredRoles: ROLES, layers: 'layers',
 *   layerRoles: { 'ffn.up': 'up' }, modelRoles: { 'tabular.features': 'input' } });
 */
export function definePlacement<const R extends PluginRole = never>(spec: PlacementSpec<R>): Placement {
  const where = `placement '${spec.architecture}'`;
  const declared: Record<string, string> = { ...(spec.declaredRoles ?? {}) };
  const bad = roleDeclarationProblems(declared);
  if (bad.length) throw new Error(`${where}: declaredRoles: ${bad.join('; ')}`);
  const known = [...ROLE_NAMES, ...Object.keys(declared)];
  const layerRoles: Partial<Record<Role, readonly string[]>> = {};
  const modelRoles: Partial<Record<Role, readonly string[]>> = {};
  for (const [table, out, field] of [
    [spec.layerRoles, layerRoles, 'layerRoles'],
    [spec.modelRoles, modelRoles, 'modelRoles'],
  ] as const) {
    for (const [name, value] of Object.entries(table ?? {})) {
      if (!isCoreRole(name) && !Object.hasOwn(declared, name)) {
        throw new Error(
          `${where}: ${field} has unknown role '${name}'${didYouMean(name, known)}` +
            `; roles are core's (${ROLE_NAMES.join(', ')}) or declared in declaredRoles` +
            (Object.keys(declared).length ? ` (${Object.keys(declared).join(', ')})` : ''),
        );
      }
      const paths = toList(value as string | readonly string[] | undefined);
      if (paths.some((p) => p === '' && name !== 'block'))
        throw new Error(`${where}: ${field}.${name} has an empty path`);
      out[name as Role] = Object.freeze([...paths]);
    }
  }
  if (Object.keys(layerRoles).length && !spec.layers) {
    throw new Error(`${where}: layerRoles need 'layers' (the path of the repeated blocks)`);
  }
  const has = (r: Role) => r in layerRoles || r in modelRoles;
  if (has('attn.qkv') && (has('attn.q') || has('attn.k') || has('attn.v'))) {
    throw new Error(`${where}: declare either attn.q/attn.k/attn.v or the fused attn.qkv, not both`);
  }
  const roles = [...new Set([...Object.keys(layerRoles), ...Object.keys(modelRoles)])] as Role[];
  return Object.freeze({
    architecture: spec.architecture,
    layers: spec.layers,
    layerRoles: Object.freeze(layerRoles),
    modelRoles: Object.freeze(modelRoles),
    supports: spec.supports ? Object.freeze(spec.supports.map((s) => s.toUpperCase())) : undefined,
    transformerSubmodules: spec.transformerSubmodules ?? 1,
    roles: Object.freeze(roles),
    declaredRoles: Object.freeze(declared) as RoleDeclarations,
  });
}

/** Every module that plays `role` in `model`, with its layer index for per-layer roles. */
export function resolveRole(model: AnyModule, placement: Placement, role: Role): RoleTarget[] {
  const out: RoleTarget[] = [];
  for (const path of placement.modelRoles[role] ?? []) {
    out.push({ role, path, layerIndex: undefined, module: model.getSubmodule(path) });
  }
  const rel = placement.layerRoles[role];
  if (rel && placement.layers) {
    const container = model.getSubmodule(placement.layers);
    container.namedChildren().forEach(([name], index) => {
      for (const r of rel) {
        const path = r ? `${placement.layers}.${name}.${r}` : `${placement.layers}.${name}`;
        out.push({ role, path, layerIndex: index, module: model.getSubmodule(path) });
      }
    });
  }
  return out;
}

/**
 * Checks that every declared path exists in `model`; returns the problems (empty = valid).
 * Architectures call this in their tests so a renamed module cannot silently break presets.
 */
export function checkPlacement(model: AnyModule, placement: Placement): string[] {
  const problems: string[] = [];
  for (const role of placement.roles) {
    try {
      resolveRole(model, placement, role);
    } catch (err) {
      problems.push(`${role}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}
