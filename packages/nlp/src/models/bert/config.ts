import { ACTIVATION_NAMES, headsDivideWidth } from '@peftkit/core';
import { z } from 'zod';

/**
 * BERT's `config.json` fields (Hugging Face `BertConfig` names and defaults, i.e.
 * bert-base-uncased). Run configs use the same snake_case names under `model.config`.
 */
const shape = {
  model_type: z.literal('bert').default('bert'),
  vocab_size: z.number().int().positive().default(30522),
  hidden_size: z.number().int().positive().default(768),
  num_hidden_layers: z.number().int().positive().default(12),
  num_attention_heads: z.number().int().positive().default(12),
  intermediate_size: z.number().int().positive().default(3072),
  hidden_act: z.enum(ACTIVATION_NAMES).default('gelu'),
  hidden_dropout_prob: z.number().min(0).max(1).default(0.1),
  attention_probs_dropout_prob: z.number().min(0).max(1).default(0.1),
  max_position_embeddings: z.number().int().positive().default(512),
  type_vocab_size: z.number().int().positive().default(2),
  initializer_range: z.number().positive().default(0.02),
  layer_norm_eps: z.number().positive().default(1e-12),
  pad_token_id: z.number().int().nonnegative().default(0),
  position_embedding_type: z
    .literal('absolute', { message: "only 'absolute' position embeddings are supported" })
    .default('absolute'),
} as const;

const divisible = headsDivideWidth('hidden_size', 'num_attention_heads');

/** Strict: a misspelt key in a run config is an error. */
export const bertConfigSchema = z.strictObject(shape).superRefine(divisible);

/** For `config.json` files, which carry many other keys (architectures, transformers_version, ...). */
export const bertConfigFileSchema = z.object(shape).superRefine(divisible);

export type BertConfig = z.output<typeof bertConfigSchema>;

/** A complete config from partial fields (defaults filled in, validated). */
export function bertConfig(fields: Partial<BertConfig> = {}): BertConfig {
  return bertConfigSchema.parse(fields);
}
