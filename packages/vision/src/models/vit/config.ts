import { z } from 'zod';

const side = z.number().int().positive();

/**
 * A ViT configuration with Hugging Face `ViTConfig`'s fields (camelCase here, snake_case in
 * `config.json`) and defaults (ViT-B/16 at 224), plus two peftkit fields: `pooling` (what the
 * base outputs for a head) and `positionInterpolation` (used when images differ from
 * `imageSize`).
 */
export const vitConfigSchema = z
  .strictObject({
    hiddenSize: side.default(768),
    numHiddenLayers: side.default(12),
    numAttentionHeads: side.default(12),
    intermediateSize: side.default(3072),
    hiddenAct: z
      .enum(['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'silu', 'swish', 'tanh'])
      .default('gelu'),
    hiddenDropoutProb: z.number().min(0).max(1).default(0),
    attentionProbsDropoutProb: z.number().min(0).max(1).default(0),
    initializerRange: z.number().positive().default(0.02),
    layerNormEps: z.number().positive().default(1e-12),
    imageSize: z.union([side, z.tuple([side, side])]).default(224),
    patchSize: side.default(16),
    numChannels: side.default(3),
    qkvBias: z.boolean().default(true),
    /** Features the base hands to a head: the class token (`cls`, as HF) or the mean patch token. */
    pooling: z.enum(['cls', 'mean']).default('cls'),
    positionInterpolation: z.enum(['bicubic', 'bilinear']).default('bicubic'),
  })
  .superRefine((c, ctx) => {
    if (c.hiddenSize % c.numAttentionHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['numAttentionHeads'],
        message: `must divide hiddenSize (${c.hiddenSize})`,
      });
    }
    const [h, w] = typeof c.imageSize === 'number' ? [c.imageSize, c.imageSize] : c.imageSize;
    if (h % c.patchSize !== 0 || w % c.patchSize !== 0) {
      ctx.addIssue({ code: 'custom', path: ['patchSize'], message: `must divide imageSize (${h}x${w})` });
    }
  });

export type ViTConfig = z.output<typeof vitConfigSchema>;
export type ViTConfigInput = z.input<typeof vitConfigSchema>;

/** The patch grid `[rows, cols]` of the configured image size. */
export function patchGrid(c: ViTConfig): [number, number] {
  const [h, w] = typeof c.imageSize === 'number' ? [c.imageSize, c.imageSize] : c.imageSize;
  return [h / c.patchSize, w / c.patchSize];
}
