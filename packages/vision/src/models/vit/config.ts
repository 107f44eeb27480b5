import { z } from 'zod';

const side = z.number().int().positive();

/**
 * A ViT configuration: Hugging Face `ViTConfig`'s `config.json` fields, names and defaults
 * (ViT-B/16 at 224), plus two peftkit fields: `pooling` (what the base outputs for a head) and
 * `position_interpolation` (used when images differ from `image_size`). Run configs use the
 * same snake_case names under `model.config`.
 */
const shape = {
  model_type: z.literal('vit').default('vit'),
  hidden_size: side.default(768),
  num_hidden_layers: side.default(12),
  num_attention_heads: side.default(12),
  intermediate_size: side.default(3072),
  hidden_act: z
    .enum(['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'silu', 'swish', 'tanh'])
    .default('gelu'),
  hidden_dropout_prob: z.number().min(0).max(1).default(0),
  attention_probs_dropout_prob: z.number().min(0).max(1).default(0),
  initializer_range: z.number().positive().default(0.02),
  layer_norm_eps: z.number().positive().default(1e-12),
  image_size: z.union([side, z.tuple([side, side])]).default(224),
  patch_size: side.default(16),
  num_channels: side.default(3),
  qkv_bias: z.boolean().default(true),
  /** Features the base hands to a head: the class token (`cls`, as HF) or the mean patch token. */
  pooling: z.enum(['cls', 'mean']).default('cls'),
  position_interpolation: z.enum(['bicubic', 'bilinear']).default('bicubic'),
} as const;

function checkShape(
  c: {
    hidden_size: number;
    num_attention_heads: number;
    image_size: number | [number, number];
    patch_size: number;
  },
  ctx: z.RefinementCtx,
): void {
  if (c.hidden_size % c.num_attention_heads !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['num_attention_heads'],
      message: `must divide hidden_size (${c.hidden_size})`,
    });
  }
  const [h, w] = typeof c.image_size === 'number' ? [c.image_size, c.image_size] : c.image_size;
  if (h % c.patch_size !== 0 || w % c.patch_size !== 0) {
    ctx.addIssue({ code: 'custom', path: ['patch_size'], message: `must divide image_size (${h}x${w})` });
  }
}

/** Strict: a misspelt (or camelCase) key in a run config is an error naming the right one. */
export const vitConfigSchema = z.strictObject(shape).superRefine(checkShape);

/** For `config.json` files, which carry other keys (`architectures`, `encoder_stride`, `id2label`, ...). */
export const vitConfigFileSchema = z.object(shape).superRefine(checkShape);

export type ViTConfig = z.output<typeof vitConfigSchema>;
export type ViTConfigInput = z.input<typeof vitConfigSchema>;

/** The patch grid `[rows, cols]` of the configured image size. */
export function patchGrid(c: ViTConfig): [number, number] {
  const [h, w] = typeof c.image_size === 'number' ? [c.image_size, c.image_size] : c.image_size;
  return [h / c.patch_size, w / c.patch_size];
}
