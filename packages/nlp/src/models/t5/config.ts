import { z } from 'zod';

/**
 * T5's `config.json` fields (Hugging Face `T5Config` names and defaults, i.e. t5-small).
 * `feed_forward_proj` is `relu` (T5 v1.0) or `gated-gelu` (T5 v1.1 / Flan-T5: `gelu_new` on
 * `wi_0`, times `wi_1`); `num_decoder_layers: null` means `num_layers`.
 */
const shape = {
  model_type: z.literal('t5').default('t5'),
  vocab_size: z.number().int().positive().default(32128),
  d_model: z.number().int().positive().default(512),
  d_kv: z.number().int().positive().default(64),
  d_ff: z.number().int().positive().default(2048),
  num_layers: z.number().int().positive().default(6),
  num_decoder_layers: z.number().int().positive().nullable().default(null),
  num_heads: z.number().int().positive().default(8),
  relative_attention_num_buckets: z.number().int().min(2).default(32),
  relative_attention_max_distance: z.number().int().positive().default(128),
  dropout_rate: z.number().min(0).max(1).default(0.1),
  layer_norm_epsilon: z.number().positive().default(1e-6),
  initializer_factor: z.number().positive().default(1),
  feed_forward_proj: z
    .string()
    .regex(
      /^(gated-)?(relu|gelu|gelu_new|silu)$/,
      "must be 'relu', 'gated-gelu' or '[gated-]<relu|gelu|gelu_new|silu>'",
    )
    .default('relu'),
  tie_word_embeddings: z.boolean().default(true),
  pad_token_id: z.number().int().nonnegative().default(0),
  eos_token_id: z.number().int().nonnegative().default(1),
  decoder_start_token_id: z.number().int().nonnegative().default(0),
} as const;

/** Strict: a misspelt key in a run config is an error. */
export const t5ConfigSchema = z.strictObject(shape);

/** For `config.json` files, which carry many other keys. */
export const t5ConfigFileSchema = z.object(shape);

export type T5Config = z.output<typeof t5ConfigSchema>;

/** A complete config from partial fields (defaults filled in, validated). */
export function t5Config(fields: Partial<T5Config> = {}): T5Config {
  return t5ConfigSchema.parse(fields);
}

/** The feed-forward activation and whether it is gated, as HF's `T5Config` derives them. */
export function t5FeedForward(config: T5Config): { activation: string; gated: boolean } {
  const gated = config.feed_forward_proj.startsWith('gated-');
  const act = gated ? config.feed_forward_proj.slice('gated-'.length) : config.feed_forward_proj;
  // HF maps "gated-gelu" to gelu_new for backwards compatibility with the T5 v1.1 checkpoints.
  return { activation: act === 'gelu' && gated ? 'gelu_new' : act, gated };
}
