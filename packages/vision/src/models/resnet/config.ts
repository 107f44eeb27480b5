import { z } from 'zod';

const positive = z.number().int().positive();

/**
 * A ResNet configuration in `config.json` style (snake_case, as every peftkit architecture):
 * torchvision's `ResNet(block, layers, num_classes, zero_init_residual)` arguments plus a few
 * knobs for small models. `block` and `layers` choose the depth (see `RESNET_VARIANTS`), `width`
 * is the stem width (64 in torchvision; stages use width x 1, 2, 4, 8), `num_classes: 0` leaves
 * out `fc` so the model outputs pooled features, `stem: 'small'` uses a 3x3 stride-1 `conv1` and
 * no max-pool for tiny images (28x28 MNIST-size inputs). The module names are torchvision's, not
 * HF `ResNetModel`'s, so HF `ResNetConfig` fields (`hidden_sizes`, `depths`) do not apply.
 */
const shape = {
  model_type: z.literal('resnet').default('resnet'),
  block: z.enum(['basic', 'bottleneck']).default('basic'),
  layers: z.array(positive).min(1).max(4).default([2, 2, 2, 2]),
  width: positive.default(64),
  num_channels: positive.default(3),
  /** The image size the model was trained at (informational: any size at least 32x32 works, or smaller with `stem: small`). */
  image_size: z.union([positive, z.tuple([positive, positive])]).optional(),
  num_classes: z.number().int().nonnegative().default(0),
  stem: z.enum(['imagenet', 'small']).default('imagenet'),
  /** torchvision's `zero_init_residual`: the last BN of each block starts at zero. */
  zero_init_residual: z.boolean().default(false),
} as const;

/** Strict: a misspelt (or camelCase) key in a run config is an error naming the right one. */
export const resnetConfigSchema = z.strictObject(shape);

/** For `config.json` files (other keys such as `architectures` are dropped). */
export const resnetConfigFileSchema = z.object(shape);

export type ResNetConfig = z.output<typeof resnetConfigSchema>;
export type ResNetConfigInput = z.input<typeof resnetConfigSchema>;

/** torchvision's standard depths. */
export const RESNET_VARIANTS = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2] },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
} as const satisfies Record<string, ResNetConfigInput>;

export type ResNetVariant = keyof typeof RESNET_VARIANTS;

/** A config for a standard depth with optional overrides, e.g. `resnetConfig('resnet18', { num_classes: 10 })`. */
export function resnetConfig(variant: ResNetVariant, overrides: ResNetConfigInput = {}): ResNetConfig {
  const v = RESNET_VARIANTS[variant];
  return resnetConfigSchema.parse({ block: v.block, layers: [...v.layers], ...overrides });
}

/** Channels of the pooled features (`fc`'s input): last stage width x block expansion. */
export function resnetFeatures(c: ResNetConfig): number {
  return c.width * 2 ** (c.layers.length - 1) * (c.block === 'bottleneck' ? 4 : 1);
}
