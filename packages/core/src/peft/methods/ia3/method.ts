import { Conv2d, Linear } from '../../../nn/index.js';
import type { DefaultTargets } from '../../defaults.js';
import type { InjectContext, PeftMethod } from '../../method.js';
import { type Placement, resolveRole } from '../../placement.js';
import { isCoreRole, type Role } from '../../roles.js';
import { matchesNameOrSuffix, resolveTargets } from '../../targets.js';
import { defineTunerMethod, injectAdapter, layerFactory, type TunerMethodSpec } from '../../tuner.js';
import { type Ia3Config, type Ia3LayerSettings, ia3Config } from './config.js';
import { Ia3Layer } from './layer.js';

const spec: TunerMethodSpec<Ia3Config> = {
  peftType: 'IA3',
  config: ia3Config,
  factories: [layerFactory('Linear', Linear, Ia3Layer), layerFactory('Conv2d', Conv2d, Ia3Layer)],
  layerClasses: [Ia3Layer],
  mergeable: true,
};

const tuner = defineTunerMethod(spec);

/**
 * The paper's targets when the user names none: keys, values (or the fused projection when the
 * architecture has no separate ones) and the second feed-forward projection, which
 * `resolveDefaults` then marks feed-forward (rescaled on its input).
 */
function defaultTargets(
  placement: Placement | undefined,
  architectureDefault: DefaultTargets | undefined,
): DefaultTargets {
  if (!placement) {
    if (architectureDefault) return architectureDefault;
    throw new Error(
      'IA3: no targets given and the model has no placement to choose default roles from; ' +
        "set targetModules (e.g. ['key', 'value', 'output.dense'] with feedforwardModules ['output.dense']) or pass a placement",
    );
  }
  const has = (r: Role) => placement.roles.includes(r);
  const attn: Role[] = has('attn.k') || has('attn.v') ? (['attn.k', 'attn.v'] as Role[]).filter(has) : [];
  if (!attn.length && has('attn.qkv')) attn.push('attn.qkv');
  const roles: Role[] = [...attn, ...(has('ffn.down') ? (['ffn.down'] as Role[]) : [])];
  if (roles.length) return { targetRoles: roles };
  if (architectureDefault) return architectureDefault;
  throw new Error(
    `IA3: no targets given and placement '${placement.architecture}' declares none of attn.k, attn.v, attn.qkv, ffn.down; set targetModules or targetRoles`,
  );
}

/**
 * HF's rule (`_prepare_adapter_config` fills `feedforward_modules` from its per-model table):
 * without `feedforwardModules`, the second feed-forward projection is feed-forward. Here that
 * projection is the `ffn.down` role, so a config that targets the role gets it; configs that
 * name modules only keep `feedforwardModules` unset (nothing scaled on its input).
 */
function withFeedforwardDefault(config: Readonly<Ia3Config>): Readonly<Ia3Config> {
  if (config.feedforwardModules !== undefined || !config.targetRoles?.includes('ffn.down')) return config;
  return Object.freeze({ ...config, feedforwardModules: Object.freeze(['ffn.down']) as string[] });
}

/**
 * Decides which target paths are feed-forward. A list entry naming a role the placement
 * declares (`ffn.down`) is resolved through it; other entries match a path exactly or as a
 * dotted suffix (HF uses a plain `endswith`); a string is a regex over the whole path. Every
 * entry must select at least one target (HF: a subset of the targets).
 */
function feedforwardPaths(ctx: InjectContext, config: Ia3Config, targets: readonly string[]): Set<string> {
  const ff = config.feedforwardModules;
  const out = new Set<string>();
  // Nothing matched at all: leave the error to the target walker, which lists close names.
  if (ff === undefined || targets.length === 0) return out;
  const problems: string[] = [];
  const entries = typeof ff === 'string' ? [ff] : ff;
  for (const entry of entries) {
    let hits: string[];
    if (typeof ff === 'string') {
      const re = new RegExp(`^(?:${entry})$`);
      hits = targets.filter((p) => re.test(p));
    } else if (ctx.placement?.roles.includes(entry as Role)) {
      const rolePaths = new Set(resolveRole(ctx.model, ctx.placement, entry as Role).map((t) => t.path));
      hits = targets.filter((p) => rolePaths.has(p));
    } else {
      hits = targets.filter((p) => matchesNameOrSuffix(p, entry));
    }
    if (!hits.length) problems.push(entry);
    for (const h of hits) out.add(h);
  }
  if (problems.length) {
    const message =
      `IA3: feedforwardModules [${problems.join(', ')}] matched none of the adapted modules ` +
      `(${targets.join(', ')}); feedforwardModules must be a subset of the targets`;
    if (!config.allowUnmatched) throw new Error(message);
    ctx.warn(message);
  }
  return out;
}

/**
 * What `adapter_config.json` must say so HF PEFT rebuilds the same adapter. HF requires
 * `feedforward_modules` to be a literal subset of a list `target_modules` and, when it is
 * missing, fills in its own per-architecture default; so the file always states it, as given
 * when the user's lists are already plain module names, else as resolved module paths (with
 * `target_modules` resolved too, so the subset rule holds).
 */
function fileConfigFor(
  config: Ia3Config,
  targets: readonly string[],
  ffPaths: ReadonlySet<string>,
  placement: Placement | undefined,
): Record<string, unknown> {
  const isRoleName = (f: string) => isCoreRole(f) || (placement?.roles.includes(f as Role) ?? false);
  const tm = config.targetModules;
  const ff = config.feedforwardModules;
  const plainList = Array.isArray(tm) && !config.targetRoles?.length;
  const plainRegex = typeof tm === 'string' && tm !== 'all-linear' && !config.targetRoles?.length;
  if (ff === undefined && (plainList || plainRegex)) return { feedforwardModules: [] };
  if (plainRegex && (typeof ff === 'string' || ff?.every((f) => !isRoleName(f)))) return {};
  if (plainList && Array.isArray(ff) && ff.every((f) => tm.includes(f))) return {};
  return {
    targetModules: [...targets],
    feedforwardModules: targets.filter((t) => ffPaths.has(t)),
  };
}

/**
 * (IA)³ (Liu et al. 2022, HF PEFT `IA3`): learned vectors rescale the outputs of the targets
 * and the inputs of the feed-forward targets. Mergeable (the vector multiplies the weight).
 */
export const ia3Method: PeftMethod<Ia3Config> = {
  ...tuner,
  defaultTargets: (_config, ctx) => defaultTargets(ctx.placement, ctx.architectureDefault),
  resolveDefaults: (config) => withFeedforwardDefault(config),
  inject(ctx, config, adapterName) {
    // Resolve first (without touching the model) so a bad feedforwardModules leaves it intact.
    const targets = resolveTargets(ctx.model, config, { placement: ctx.placement }).matched.map(
      (m) => m.path,
    );
    const ffPaths = feedforwardPaths(ctx, config, targets);
    const report = injectAdapter(
      {
        ...spec,
        layerConfig: (c, match) =>
          ({
            isFeedforward: ffPaths.has(match.path),
            initIa3Weights: c.initIa3Weights,
          }) satisfies Ia3LayerSettings,
      },
      ctx,
      config,
      adapterName,
    );
    return { ...report, fileConfig: fileConfigFor(config, report.targets, ffPaths, ctx.placement) };
  },
};
