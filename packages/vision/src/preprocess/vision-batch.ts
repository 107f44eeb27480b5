import type { ModelBatch } from '@peftkit/core';

/**
 * A batch of the vision plugin: `inputs` is `[pixels]` (NHWC float32), `targets` int32 class ids
 * `[N]` (single-label) or float32 0/1 `[N, K]` (multi-label).
 */
export interface VisionBatch extends ModelBatch {
  /** Single-label: per-class loss weights (inverse class frequency in the training data), when enabled. */
  readonly classWeights?: readonly number[] | undefined;
  /** Multi-label: per-class weight of positives (negatives / positives in the training data). */
  readonly posWeight?: readonly number[] | undefined;
}
