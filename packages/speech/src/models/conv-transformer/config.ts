import { ACTIVATION_NAMES, headsDivideWidth } from '@peftkit/core';
import { z } from 'zod';

/** The `model_type` written to (and read from) `config.json`. */
export const CONV_TRANSFORMER_TYPE = 'speech/conv-transformer';

/**
 * A small from-scratch speech encoder's config, with Whisper-style names: `num_mel_bins` input
 * features, a conv stem that subsamples time by 4, then `encoder_layers` pre-norm layers of width
 * `d_model`. Defaults (d=144, 4 layers, 4 heads) suit demos and tests on two CPU cores.
 */
const shape = {
  model_type: z.literal(CONV_TRANSFORMER_TYPE).default(CONV_TRANSFORMER_TYPE),
  num_mel_bins: z.number().int().positive().default(80),
  d_model: z.number().int().positive().default(144),
  encoder_layers: z.number().int().positive().default(4),
  encoder_attention_heads: z.number().int().positive().default(4),
  encoder_ffn_dim: z.number().int().positive().default(576),
  activation_function: z.enum(ACTIVATION_NAMES).default('gelu'),
  dropout: z.number().min(0).max(1).default(0.1),
  attention_dropout: z.number().min(0).max(1).default(0),
  activation_dropout: z.number().min(0).max(1).default(0),
  encoder_layerdrop: z.number().min(0).max(1).default(0),
  layer_norm_eps: z.number().positive().default(1e-5),
  init_std: z.number().positive().default(0.02),
} as const;

function checks(c: { d_model: number; encoder_attention_heads: number }, ctx: z.RefinementCtx): void {
  headsDivideWidth('d_model', 'encoder_attention_heads')(c, ctx);
  if (c.d_model % 2 !== 0) {
    ctx.addIssue({ code: 'custom', path: ['d_model'], message: 'must be even (sinusoidal positions)' });
  }
}

/** Strict: a misspelt key in a run config is an error. */
export const convTransformerConfigSchema = z.strictObject(shape).superRefine(checks);

/** For `config.json` files (which may carry `architectures` and other keys). */
export const convTransformerConfigFileSchema = z.object(shape).superRefine(checks);

export type ConvTransformerConfig = z.output<typeof convTransformerConfigSchema>;

/** A complete config from partial fields (defaults filled in, validated). */
export function convTransformerConfig(fields: Partial<ConvTransformerConfig> = {}): ConvTransformerConfig {
  return convTransformerConfigSchema.parse(fields);
}
