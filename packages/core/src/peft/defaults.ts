import type { PeftConfig } from './config.js';
import type { PeftMethod } from './method.js';
import type { Placement } from './placement.js';
import type { Role } from './roles.js';

/** Default targets: roles (portable across architectures) and/or module names. */
export interface DefaultTargets {
  readonly targetRoles?: readonly Role[];
  readonly targetModules?: readonly string[] | string;
}

/**
 * An architecture's default targets per PEFT type (`LORA`, `IA3`, ...), `'*'` for methods without
 * an entry: HF PEFT's per-model-type tables, one row per architecture. A plugin's
 * `PlacementContribution.defaults` has this shape.
 */
export type DefaultTargetTable = Readonly<Record<string, DefaultTargets>>;

/** What `resolvePeftDefaults` knows about the model. */
export interface DefaultsContext {
  readonly placement: Placement | undefined;
  /** The architecture's table, when the caller has one (the CLI passes its plugin's). */
  readonly architectureDefaults?: DefaultTargetTable | undefined;
}

/** What `PeftMethod.defaultTargets` sees. */
export interface DefaultTargetsContext {
  readonly placement: Placement | undefined;
  /**
   * The architecture's entry for this method, else its `'*'`: what the method falls back on when
   * the placement lacks the roles it would choose (IA3 on a CNN takes the `'*'` convolutions).
   */
  readonly architectureDefault: DefaultTargets | undefined;
}

/** True when the config names targets: `targetModules` (a regex or a non-empty list) or roles. */
export function namesTargets(config: {
  readonly targetModules?: readonly string[] | string | undefined;
  readonly targetRoles?: readonly string[] | undefined;
}): boolean {
  const tm = config.targetModules;
  return typeof tm === 'string' || (Array.isArray(tm) && tm.length > 0) || !!config.targetRoles?.length;
}

/**
 * The one place a PEFT config's defaults are resolved, for `getPeftModel` / `addAdapter` and for
 * the CLI alike (after HF PEFT's `_prepare_adapter_config`, which fills `target_modules` and
 * IA3's `feedforward_modules` from one per-model-type table). When `config` names no targets:
 *
 * 1. a method with `defaultTargets` chooses (IA3: `attn.k`/`attn.v` or `attn.qkv`, and
 *    `ffn.down`; bottleneck adapters: the roles of their variant; LN tuning: `norm`; prompt and
 *    prefix tuning: `embed` / `attention`), falling back on the architecture's entry for the
 *    method (else its `'*'`) when the placement lacks those roles;
 * 2. any other method takes the architecture's entry for it, else the architecture's `'*'`.
 *
 * Then the method's `resolveDefaults` fills the fields that follow from the targets (IA3's
 * `feedforwardModules` from the `ffn.down` role). Returns `config` itself when nothing changed;
 * resolving a resolved config changes nothing.
 */
export function resolvePeftDefaults<C extends PeftConfig>(
  method: PeftMethod<C>,
  config: Readonly<C>,
  ctx: DefaultsContext,
): Readonly<C> {
  let out = config;
  if (!namesTargets(config)) {
    const table = ctx.architectureDefaults;
    const fromTable = table?.[method.peftType] ?? table?.['*'];
    const chosen = method.defaultTargets
      ? method.defaultTargets(config, { placement: ctx.placement, architectureDefault: fromTable })
      : fromTable;
    if (chosen) out = withTargets(config, chosen);
  }
  return method.resolveDefaults ? method.resolveDefaults(out, { placement: ctx.placement }) : out;
}

/** `config` with the given default targets (copied, frozen). */
function withTargets<C extends PeftConfig>(config: Readonly<C>, d: DefaultTargets): Readonly<C> {
  const tm = d.targetModules;
  return Object.freeze({
    ...config,
    ...(d.targetRoles?.length ? { targetRoles: Object.freeze([...d.targetRoles]) } : {}),
    ...(tm !== undefined ? { targetModules: typeof tm === 'string' ? tm : Object.freeze([...tm]) } : {}),
  });
}
