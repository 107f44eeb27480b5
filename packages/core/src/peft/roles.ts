import { z } from 'zod';

/**
 * Core's role vocabulary: where in an architecture an adapter can go, independent of how that
 * architecture names its modules (after AdapterHub's model interface). A preset says "LoRA on
 * attn.q and attn.v" and works on every architecture whose placement declares those roles.
 * Plugins add roles of their own with {@link defineRoles} (see `PlacementSpec.declaredRoles`).
 */
export const ROLES = {
  'attn.q': 'query projection of self-attention',
  'attn.k': 'key projection of self-attention',
  'attn.v': 'value projection of self-attention',
  'attn.qkv': 'fused query/key/value projection (e.g. GPT-2 c_attn)',
  'attn.o': 'output projection of self-attention',
  'ffn.up': 'first feed-forward projection (d -> ffn)',
  'ffn.gate': 'gate projection of a gated feed-forward block',
  'ffn.down': 'second feed-forward projection (ffn -> d)',
  block: 'a whole transformer/residual block (bottleneck adapters go after its sub-layers)',
  'block.attn': 'the attention sub-layer output of a block (Houlsby adapter after attention)',
  'block.ffn': 'the feed-forward sub-layer output of a block (Pfeiffer/Houlsby adapter after FFN)',
  attention: 'an attention module exposing the prefix hook (prefix tuning)',
  embed: 'the input token/patch embedding',
  norm: 'normalisation layers',
  conv: 'convolutions of a CNN backbone',
  head: 'the task head / classifier',
} as const;

/** A role of core's vocabulary ({@link ROLES}). */
export type CoreRole = keyof typeof ROLES;

/**
 * A role a plugin declares: lowercase and dotted, with at least two segments so it names its
 * area (`conv.feature`, `policy.trunk`, `action.head`). Typed as a pattern (not a brand) so
 * plugins write plain string literals; un-dotted names fail to compile unless they are core's.
 */
export type PluginRole = `${string}.${string}` & {};

/** A placement role: one of core's (editors list them) or one a plugin declared. */
export type Role = CoreRole | PluginRole;

/** Core's role names, in table order. */
export const ROLE_NAMES = Object.keys(ROLES) as CoreRole[];

/** Every role name: lowercase segments (`a-z`, digits, `_`) joined by dots. */
export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;

/** A plugin role name: like {@link ROLE_NAME_PATTERN} with at least two segments. */
export const PLUGIN_ROLE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

/** Zod schema of a role name in configs (`targetRoles`); whether the model has it is checked later. */
export const roleName = z
  .string()
  .regex(ROLE_NAME_PATTERN, 'must be a role name: lowercase and dotted, e.g. attn.q, ffn.up, conv.feature');

/** True when `name` is a role of core's vocabulary. */
export function isCoreRole(name: string): name is CoreRole {
  return Object.hasOwn(ROLES, name);
}

/** Plugin roles with their descriptions, as `defineRoles` returns them. */
export type RoleDeclarations<R extends PluginRole = PluginRole> = Readonly<Record<R, string>>;

/**
 * Problems of a set of plugin role declarations (empty = valid): every name follows
 * {@link PLUGIN_ROLE_PATTERN} and is not core's, every description is a non-empty string.
 */
export function roleDeclarationProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['must be an object of role name -> description'];
  }
  const out: string[] = [];
  for (const [name, description] of Object.entries(value)) {
    if (isCoreRole(name)) out.push(`'${name}' is a core role; use it without declaring it`);
    else if (!PLUGIN_ROLE_PATTERN.test(name)) {
      out.push(`'${name}' is not a plugin role name (lowercase and dotted, e.g. 'conv.feature')`);
    }
    if (typeof description !== 'string' || description.trim() === '') {
      out.push(`'${name}' needs a description (a non-empty string)`);
    }
  }
  return out;
}

/**
 * Declares roles beyond core's vocabulary, with the description `peftkit inspect` shows for
 * each. Pass the result to `definePlacement({ declaredRoles })` and to the architecture's
 * `declaredRoles`, so the host can list them and report clashes with other plugins.
 *
 * @example
 * export const POLICY_ROLES = defineRoles({
 *   'policy.trunk': 'the shared MLP trunk of the policy',
 *   'action.head': 'the layer that outputs actions',
 * });
 */
export function defineRoles<const R extends PluginRole>(roles: Record<R, string>): RoleDeclarations<R> {
  const problems = roleDeclarationProblems(roles);
  if (problems.length) throw new Error(`defineRoles: ${problems.join('; ')}`);
  return Object.freeze({ ...roles });
}

/** Description of `role`: core's, else the one in `declared`, else undefined. */
export function describeRole(role: string, declared: RoleDeclarations = {}): string | undefined {
  if (isCoreRole(role)) return ROLES[role];
  return Object.hasOwn(declared, role) ? declared[role as PluginRole] : undefined;
}
