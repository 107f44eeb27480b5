import { defineRoles } from '@peftkit/core';

/**
 * Roles of encoder-decoder models beyond core's vocabulary: the decoder's cross-attention
 * projections (queries from the decoder, keys/values from the encoder output). Core's `attn.*`
 * roles are the self-attentions of both stacks, so "LoRA on attn.q, attn.v, xattn.q, xattn.v" is
 * HF PEFT's default `q`/`v` targets of T5.
 */
export const SEQ2SEQ_ROLES = defineRoles({
  'xattn.q': 'query projection of the decoder cross-attention',
  'xattn.k': 'key projection of the decoder cross-attention (reads the encoder output)',
  'xattn.v': 'value projection of the decoder cross-attention (reads the encoder output)',
  'xattn.o': 'output projection of the decoder cross-attention',
});

/** Absolute paths of `rel` under every numbered block of each stack: `[stack.i.rel, ...]`. */
export function stackPaths(stacks: readonly { path: string; count: number }[], rel: string): string[] {
  return stacks.flatMap(({ path, count }) => Array.from({ length: count }, (_, i) => `${path}.${i}.${rel}`));
}

/**
 * PEFT methods the encoder-decoders support: those that adapt or select existing weights, and
 * prompt / prefix tuning the way HF PEFT's `PeftModelForSeq2SeqLM` feeds them (virtual tokens in
 * front of the encoder input; prefixes as the decoder self-attentions' first cached positions).
 * Bottleneck adapters need `block` roles these placements do not declare yet.
 */
export const SEQ2SEQ_METHODS = [
  'LORA',
  'ADALORA',
  'IA3',
  'LOHA',
  'LOKR',
  'VERA',
  'BITFIT',
  'LN_TUNING',
  'SELECTIVE',
  'PROMPT_TUNING',
  'PREFIX_TUNING',
] as const;
