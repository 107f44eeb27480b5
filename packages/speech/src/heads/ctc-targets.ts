import * as tf from '@tensorflow/tfjs';

/** Padding of CTC target rows (HF's `-100`): every negative entry is padding. */
export const CTC_TARGET_PAD = -100;

/**
 * The `ModelBatch.targets` of a CTC batch: int32 `[B, U]` class ids, each row padded with -100
 * to the longest (at least 1 column, so an all-empty batch still has a shape).
 *
 * @example
 * padCtcTargets([[5, 6, 2, 7], [9]]); // [[5, 6, 2, 7], [9, -100, -100, -100]]
 */
export function padCtcTargets(rows: readonly (readonly number[])[]): tf.Tensor2D {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const data = new Int32Array(rows.length * width).fill(CTC_TARGET_PAD);
  for (const [b, r] of rows.entries()) data.set(r, b * width);
  return tf.tensor2d(data, [rows.length, width], 'int32');
}

/** Target rows with the padding removed (HF: `labels.masked_select(labels >= 0)` per row). */
export function unpadCtcTargets(targets: tf.Tensor): number[][] {
  if (targets.rank !== 2)
    throw new Error(`speech/ctc: targets must be [B, U] class ids, got [${targets.shape}]`);
  const [b, u] = targets.shape as [number, number];
  const data = targets.dataSync();
  const rows: number[][] = [];
  for (let i = 0; i < b; i++) {
    const row: number[] = [];
    for (let j = 0; j < u; j++) {
      const y = data[i * u + j] as number;
      if (y >= 0) row.push(y);
    }
    rows.push(row);
  }
  return rows;
}
