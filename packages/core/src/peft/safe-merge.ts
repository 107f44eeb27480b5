import * as tf from '@tensorflow/tfjs';

/**
 * The `safeMerge` check every mergeable method shares: throws, before anything is written, when
 * a merged value holds NaN or Inf (HF PEFT's `safe_merge`). `undefined` entries (no bias) are
 * skipped.
 */
export function checkSafeMerge(
  adapterName: string,
  baseType: string,
  merged: readonly (tf.Tensor | undefined)[],
): void {
  const finite = tf.tidy(() =>
    merged.every((t) => t === undefined || (tf.all(tf.isFinite(t)).dataSync()[0] as number) === 1),
  );
  if (!finite) {
    throw new Error(
      `safe merge of adapter '${adapterName}' into ${baseType} produced NaN/Inf; nothing was changed`,
    );
  }
}
