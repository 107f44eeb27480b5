import type { ModelBatch } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/**
 * A batch of the vision plugin: `inputs` is `[pixels]` (NHWC float32), `targets` int32 class ids
 * `[N]` (single-label) or float32 0/1 `[N, K]` (multi-label).
 */
export interface VisionBatch extends ModelBatch {
  /** Per-example loss weights `[N]` (class balancing by inverse frequency), when enabled. */
  readonly sampleWeights?: tf.Tensor1D | undefined;
  /** Multi-label: per-class weight of positives (negatives / positives in the training data). */
  readonly posWeight?: readonly number[] | undefined;
}
