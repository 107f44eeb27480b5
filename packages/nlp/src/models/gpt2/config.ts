import { ACTIVATION_NAMES, headsDivideWidth } from '@peftkit/core';
import { z } from 'zod';

/**
 * GPT-2's `config.json` fields (Hugging Face `GPT2Config` names and defaults, i.e. gpt2 small).
 * `n_inner: null` means `4 * n_embd`.
 */
const shape = {
  model_type: z.literal('gpt2').default('gpt2'),
  vocab_size: z.number().int().positive().default(50257),
  n_positions: z.number().int().positive().default(1024),
  n_embd: z.number().int().positive().default(768),
  n_layer: z.number().int().positive().default(12),
  n_head: z.number().int().positive().default(12),
  n_inner: z.number().int().positive().nullable().default(null),
  activation_function: z.enum(ACTIVATION_NAMES).default('gelu_new'),
  resid_pdrop: z.number().min(0).max(1).default(0.1),
  embd_pdrop: z.number().min(0).max(1).default(0.1),
  attn_pdrop: z.number().min(0).max(1).default(0.1),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  initializer_range: z.number().positive().default(0.02),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  bos_token_id: z.number().int().nonnegative().default(50256),
  eos_token_id: z.number().int().nonnegative().default(50256),
  tie_word_embeddings: z.boolean().default(true),
} as const;

const divisible = headsDivideWidth('n_embd', 'n_head');

/** Strict: a misspelt key in a run config is an error. */
export const gpt2ConfigSchema = z.strictObject(shape).superRefine(divisible);

/** For `config.json` files, which carry many other keys. */
export const gpt2ConfigFileSchema = z.object(shape).superRefine(divisible);

export type Gpt2Config = z.output<typeof gpt2ConfigSchema>;

/** A complete config from partial fields (defaults filled in, validated). */
export function gpt2Config(fields: Partial<Gpt2Config> = {}): Gpt2Config {
  return gpt2ConfigSchema.parse(fields);
}

/** Width of the MLP: `n_inner`, or `4 * n_embd`. */
export function gpt2Inner(config: Gpt2Config): number {
  return config.n_inner ?? 4 * config.n_embd;
}
