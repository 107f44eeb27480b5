import { ACTIVATION_NAMES, headsDivideWidth } from '@peftkit/core';
import { z } from 'zod';

/**
 * The encoder fields of Hugging Face's `WhisperConfig` (names and defaults as HF, i.e.
 * whisper-tiny). Decoder fields of a full Whisper `config.json` are accepted and ignored.
 */
const shape = {
  model_type: z.literal('whisper').default('whisper'),
  num_mel_bins: z.number().int().positive().default(80),
  d_model: z.number().int().positive().default(384),
  encoder_layers: z.number().int().positive().default(4),
  encoder_attention_heads: z.number().int().positive().default(6),
  encoder_ffn_dim: z.number().int().positive().default(1536),
  encoder_layerdrop: z.number().min(0).max(1).default(0),
  /** Encoder positions after the stride-2 conv: 1500 = 30 s of 10 ms frames. */
  max_source_positions: z.number().int().positive().default(1500),
  activation_function: z.enum(ACTIVATION_NAMES).default('gelu'),
  dropout: z.number().min(0).max(1).default(0),
  attention_dropout: z.number().min(0).max(1).default(0),
  activation_dropout: z.number().min(0).max(1).default(0),
  init_std: z.number().positive().default(0.02),
} as const;

const divisible = headsDivideWidth('d_model', 'encoder_attention_heads');
const evenWidth = (c: { d_model: number }, ctx: z.RefinementCtx) => {
  if (c.d_model % 2 !== 0) {
    ctx.addIssue({ code: 'custom', path: ['d_model'], message: 'must be even (sinusoidal positions)' });
  }
};

/** Strict: a misspelt key in a run config is an error. */
export const whisperConfigSchema = z.strictObject(shape).superRefine(divisible).superRefine(evenWidth);

/** For `config.json` files, which carry decoder and generation keys too. */
export const whisperConfigFileSchema = z.object(shape).superRefine(divisible).superRefine(evenWidth);

export type WhisperConfig = z.output<typeof whisperConfigSchema>;

/** A complete config from partial fields (defaults filled in, validated). */
export function whisperConfig(fields: Partial<WhisperConfig> = {}): WhisperConfig {
  return whisperConfigSchema.parse(fields);
}
