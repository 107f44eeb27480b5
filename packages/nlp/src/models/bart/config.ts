import { ACTIVATION_NAMES } from '@peftkit/core';
import { z } from 'zod';

/** The two families sharing BART's layout: learned positions (offset 2) vs Marian's sinusoidal ones. */
export type BartFlavor = 'bart' | 'marian';

function shape(flavor: BartFlavor) {
  const marian = flavor === 'marian';
  // Defaults are HF's BartConfig (bart-large) and MarianConfig.
  return {
    model_type: z.literal(flavor).default(flavor),
    vocab_size: z
      .number()
      .int()
      .positive()
      .default(marian ? 58101 : 50265),
    d_model: z.number().int().positive().default(1024),
    encoder_layers: z.number().int().positive().default(12),
    decoder_layers: z.number().int().positive().default(12),
    encoder_attention_heads: z.number().int().positive().default(16),
    decoder_attention_heads: z.number().int().positive().default(16),
    encoder_ffn_dim: z.number().int().positive().default(4096),
    decoder_ffn_dim: z.number().int().positive().default(4096),
    activation_function: z.enum(ACTIVATION_NAMES).default('gelu'),
    dropout: z.number().min(0).max(1).default(0.1),
    attention_dropout: z.number().min(0).max(1).default(0),
    activation_dropout: z.number().min(0).max(1).default(0),
    max_position_embeddings: z.number().int().positive().default(1024),
    init_std: z.number().positive().default(0.02),
    scale_embedding: z.boolean().default(false),
    pad_token_id: z
      .number()
      .int()
      .nonnegative()
      .default(marian ? 58100 : 1),
    bos_token_id: z.number().int().nonnegative().default(0),
    eos_token_id: z
      .number()
      .int()
      .nonnegative()
      .default(marian ? 0 : 2),
    decoder_start_token_id: z
      .number()
      .int()
      .nonnegative()
      .default(marian ? 58100 : 2),
    forced_bos_token_id: z.number().int().nonnegative().nullable().default(null),
    forced_eos_token_id: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .default(marian ? 0 : 2),
    tie_word_embeddings: z
      .literal(true, { message: 'only tied output embeddings are supported' })
      .default(true),
    ...(marian
      ? {
          share_encoder_decoder_embeddings: z
            .literal(true, { message: 'separate source/target embeddings are not supported' })
            .default(true),
        }
      : {}),
  };
}

const TOKEN_KEYS = ['pad_token_id', 'bos_token_id', 'eos_token_id', 'decoder_start_token_id'] as const;

/** Heads divide the width in both stacks; token ids lie inside the vocabulary. */
function divisible(
  c: {
    d_model: number;
    encoder_attention_heads: number;
    decoder_attention_heads: number;
    vocab_size: number;
  } & Record<(typeof TOKEN_KEYS)[number], number>,
  ctx: z.RefinementCtx,
) {
  for (const key of TOKEN_KEYS) {
    if (c[key] >= c.vocab_size) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} (${c[key]}) must be below vocab_size (${c.vocab_size})`,
      });
    }
  }
  for (const key of ['encoder_attention_heads', 'decoder_attention_heads'] as const) {
    if (c.d_model % c[key] !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `d_model (${c.d_model}) must be divisible by ${key} (${c[key]})`,
      });
    }
  }
}

const bartShape = shape('bart');

/** Strict: a misspelt key in a run config is an error. */
export const bartConfigSchema = z.strictObject(bartShape).superRefine(divisible);
/** For `config.json` files, which carry many other keys. */
export const bartConfigFileSchema = z.object(bartShape).superRefine(divisible);

const marianShape = shape('marian');
export const marianConfigSchema = z.strictObject(marianShape).superRefine(divisible);
export const marianConfigFileSchema = z.object(marianShape).superRefine(divisible);

/** A BART or Marian config (`model_type` tells them apart). */
export type BartConfig = Omit<z.output<typeof bartConfigSchema>, 'model_type'> & { model_type: BartFlavor };

/** A complete BART config from partial fields (defaults filled in, validated). */
export function bartConfig(fields: Partial<BartConfig> = {}): BartConfig {
  return bartConfigSchema.parse(fields);
}

/** A complete Marian config from partial fields (defaults filled in, validated). */
export function marianConfig(fields: Partial<BartConfig> = {}): BartConfig {
  return marianConfigSchema.parse({ ...fields, model_type: 'marian' });
}
