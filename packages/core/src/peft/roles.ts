/**
 * Placement roles: where in an architecture an adapter can go, independent of how that
 * architecture names its modules (after AdapterHub's model interface). A preset says "LoRA on
 * attn.q and attn.v" and works on every architecture whose placement declares those roles.
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

export type Role = keyof typeof ROLES;

export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export function isRole(name: string): name is Role {
  return Object.hasOwn(ROLES, name);
}
