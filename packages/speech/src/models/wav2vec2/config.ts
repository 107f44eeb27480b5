import { ACTIVATION_NAMES, headsDivideWidth } from '@peftkit/core';
import { z } from 'zod';

const positive = z.number().int().positive();
const rate = z.number().min(0).max(1);

/**
 * Fields of Hugging Face's `Wav2Vec2Config` / `HubertConfig` the base model uses (names and
 * defaults as HF, i.e. wav2vec2-base). Pre-training, CTC-loss and classifier fields of a
 * `config.json` are accepted and ignored; `vocab_size` and `pad_token_id` are kept for CTC heads.
 */
function familyShape<T extends 'wav2vec2' | 'hubert'>(modelType: T) {
  return {
    model_type: z.literal(modelType).default(modelType),
    hidden_size: positive.default(768),
    num_hidden_layers: positive.default(12),
    num_attention_heads: positive.default(12),
    intermediate_size: positive.default(3072),
    hidden_act: z.enum(ACTIVATION_NAMES).default('gelu'),
    hidden_dropout: rate.default(0.1),
    activation_dropout: rate.default(0.1),
    attention_dropout: rate.default(0.1),
    feat_proj_dropout: rate.default(0),
    layerdrop: rate.default(0.1),
    initializer_range: z.number().positive().default(0.02),
    layer_norm_eps: z.number().positive().default(1e-5),
    /** `group`: GroupNorm after the first conv only (base); `layer`: LayerNorm after every conv (large). */
    feat_extract_norm: z.enum(['group', 'layer']).default('group'),
    feat_extract_activation: z.enum(ACTIVATION_NAMES).default('gelu'),
    conv_dim: z.array(positive).min(1).default([512, 512, 512, 512, 512, 512, 512]),
    conv_stride: z.array(positive).min(1).default([5, 2, 2, 2, 2, 2, 2]),
    conv_kernel: z.array(positive).min(1).default([10, 3, 3, 3, 3, 2, 2]),
    conv_bias: z.boolean().default(false),
    num_conv_pos_embeddings: positive.default(128),
    num_conv_pos_embedding_groups: positive.default(16),
    /** Pre-norm layers and a final encoder LayerNorm (large / XLS-R / MMS); post-norm otherwise. */
    do_stable_layer_norm: z.boolean().default(false),
    /**
     * SpecAugment in training mode: spans of `mask_time_length` frames replaced by
     * `masked_spec_embed` (a positive probability also means the model has that parameter), and
     * spans of `mask_feature_length` channels zeroed.
     */
    apply_spec_augment: z.boolean().default(true),
    mask_time_prob: rate.default(0.05),
    mask_time_length: positive.default(10),
    mask_time_min_masks: z.number().int().nonnegative().default(2),
    mask_feature_prob: rate.default(0),
    mask_feature_length: positive.default(10),
    mask_feature_min_masks: z.number().int().nonnegative().default(0),
    /** MMS: width of the per-layer attention adapters (`adapter_layer`); null = none. */
    adapter_attn_dim: positive.nullable().default(null),
    add_adapter: z
      .literal(false, { message: 'the conv adapter stack of add_adapter=true is not supported' })
      .default(false),
    vocab_size: positive.default(32),
    pad_token_id: z.number().int().nonnegative().default(0),
  };
}

function checks(
  c: {
    hidden_size: number;
    num_attention_heads: number;
    conv_dim: number[];
    conv_stride: number[];
    conv_kernel: number[];
    num_conv_pos_embedding_groups: number;
    do_stable_layer_norm: boolean;
    adapter_attn_dim: number | null;
  },
  ctx: z.RefinementCtx,
): void {
  headsDivideWidth('hidden_size', 'num_attention_heads')(c, ctx);
  const n = c.conv_dim.length;
  for (const key of ['conv_stride', 'conv_kernel'] as const) {
    if (c[key].length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `must have one entry per conv layer (conv_dim has ${n}), got ${c[key].length}`,
      });
    }
  }
  if (c.hidden_size % c.num_conv_pos_embedding_groups !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['num_conv_pos_embedding_groups'],
      message: `hidden_size (${c.hidden_size}) must be divisible by num_conv_pos_embedding_groups (${c.num_conv_pos_embedding_groups})`,
    });
  }
  if (c.adapter_attn_dim !== null && !c.do_stable_layer_norm) {
    ctx.addIssue({
      code: 'custom',
      path: ['adapter_attn_dim'],
      message: 'MMS adapter layers exist only in do_stable_layer_norm=true encoders (as in HF)',
    });
  }
}

const wav2vec2Shape = familyShape('wav2vec2');
const hubertShape = {
  ...familyShape('hubert'),
  /** HuBERT may drop the feature projection's LayerNorm. */
  feat_proj_layer_norm: z.boolean().default(true),
  /** HuBERT variant: BatchNorm before the positional conv instead of weight norm on it. */
  conv_pos_batch_norm: z.boolean().default(false),
};

/** Strict wav2vec2 config (run configs): a misspelt key is an error. */
export const wav2vec2ConfigSchema = z.strictObject(wav2vec2Shape).superRefine(checks);
/** wav2vec2 `config.json` files, which carry many other keys. */
export const wav2vec2ConfigFileSchema = z.object(wav2vec2Shape).superRefine(checks);
/** Strict HuBERT config. */
export const hubertConfigSchema = z.strictObject(hubertShape).superRefine(checks);
/** HuBERT `config.json` files. */
export const hubertConfigFileSchema = z.object(hubertShape).superRefine(checks);

export type Wav2Vec2Config = z.output<typeof wav2vec2ConfigSchema>;
export type HubertConfig = z.output<typeof hubertConfigSchema>;
/** Either family: the model reads HuBERT's extra fields when present. */
export type Wav2Vec2FamilyConfig = Wav2Vec2Config | HubertConfig;

/** A complete wav2vec2 config from partial fields (defaults filled in, validated). */
export function wav2vec2Config(fields: Partial<Wav2Vec2Config> = {}): Wav2Vec2Config {
  return wav2vec2ConfigSchema.parse(fields);
}

/** A complete HuBERT config from partial fields. */
export function hubertConfig(fields: Partial<HubertConfig> = {}): HubertConfig {
  return hubertConfigSchema.parse(fields);
}

/** Whether the feature projection has its LayerNorm (always for wav2vec2). */
export function hasFeatureProjectionNorm(c: Wav2Vec2FamilyConfig): boolean {
  return c.model_type === 'wav2vec2' || c.feat_proj_layer_norm;
}

/** Whether the positional conv uses BatchNorm instead of weight norm (HuBERT option). */
export function usesPositionalBatchNorm(c: Wav2Vec2FamilyConfig): boolean {
  return c.model_type === 'hubert' && c.conv_pos_batch_norm;
}

/** Whether the model carries `masked_spec_embed` (HF creates it when SpecAugment is configured). */
export function hasMaskedSpecEmbed(c: Wav2Vec2FamilyConfig): boolean {
  return c.mask_time_prob > 0 || c.mask_feature_prob > 0;
}
