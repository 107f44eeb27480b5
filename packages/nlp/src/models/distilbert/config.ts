import { ACTIVATION_NAMES, headsDivideWidth } from '@peftkit/core';
import { z } from 'zod';

/**
 * DistilBERT's `config.json` fields (Hugging Face `DistilBertConfig` names and defaults, i.e.
 * distilbert-base-uncased). Run configs use the same snake_case names under `model.config`.
 * HF fixes DistilBERT's LayerNorm epsilon at 1e-12 (no config field).
 */
const shape = {
  model_type: z.literal('distilbert').default('distilbert'),
  vocab_size: z.number().int().positive().default(30522),
  max_position_embeddings: z.number().int().positive().default(512),
  /** Fixed sine/cosine position embeddings (not trained), as HF's `create_sinusoidal_embeddings`. */
  sinusoidal_pos_embds: z.boolean().default(false),
  n_layers: z.number().int().positive().default(6),
  n_heads: z.number().int().positive().default(12),
  dim: z.number().int().positive().default(768),
  hidden_dim: z.number().int().positive().default(3072),
  dropout: z.number().min(0).max(1).default(0.1),
  attention_dropout: z.number().min(0).max(1).default(0.1),
  activation: z.enum(ACTIVATION_NAMES).default('gelu'),
  initializer_range: z.number().positive().default(0.02),
  /** Dropout of `DistilBertForQuestionAnswering` (kept for HF configs; unused here). */
  qa_dropout: z.number().min(0).max(1).default(0.1),
  /** Dropout before the classifier of `DistilBertForSequenceClassification`. */
  seq_classif_dropout: z.number().min(0).max(1).default(0.2),
  pad_token_id: z.number().int().nonnegative().default(0),
} as const;

const divisible = headsDivideWidth('dim', 'n_heads');

/** Strict: a misspelt key in a run config is an error. */
export const distilBertConfigSchema = z.strictObject(shape).superRefine(divisible);

/** For `config.json` files, which carry many other keys (architectures, tie_weights_, ...). */
export const distilBertConfigFileSchema = z.object(shape).superRefine(divisible);

export type DistilBertConfig = z.output<typeof distilBertConfigSchema>;

/** DistilBERT's LayerNorm epsilon (hard-coded in HF's modeling code). */
export const DISTILBERT_LAYER_NORM_EPS = 1e-12;

/** A complete config from partial fields (defaults filled in, validated). */
export function distilBertConfig(fields: Partial<DistilBertConfig> = {}): DistilBertConfig {
  return distilBertConfigSchema.parse(fields);
}
