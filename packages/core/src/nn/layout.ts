import * as tf from '@tensorflow/tfjs';

/**
 * How a parameter kept in tfjs' preferred memory layout maps to the PyTorch layout used in
 * safetensors / Hugging Face files. The conversion happens only at the file boundary.
 *
 * - `identity`: same layout (biases, norms, embeddings).
 * - `linear`: memory `[in, out]` (fast `x @ W` on wasm) <-> file `[out, in]`.
 * - `conv1d`: memory `[k, in/groups, out]` (tfjs conv1d) <-> file `[out, in/groups, k]`.
 * - `conv2d`: memory HWIO `[kh, kw, in/groups, out]` <-> file OIHW `[out, in/groups, kh, kw]`.
 * - `depthwise2d`: memory `[kh, kw, in, multiplier]` (tfjs depthwiseConv2d) <-> file
 *   `[in*multiplier, 1, kh, kw]` (PyTorch conv with groups = in).
 */
export const TORCH_LAYOUTS = ['identity', 'linear', 'conv1d', 'conv2d', 'depthwise2d'] as const;
export type TorchLayout = (typeof TORCH_LAYOUTS)[number];

/** Shape the tensor has in a PyTorch file, given its memory shape. */
export function torchShapeOf(memShape: readonly number[], layout: TorchLayout): number[] {
  switch (layout) {
    case 'identity':
      return [...memShape];
    case 'linear': {
      const [i, o] = expectRank(memShape, 2, layout);
      return [o, i];
    }
    case 'conv1d': {
      const [k, i, o] = expectRank(memShape, 3, layout);
      return [o, i, k];
    }
    case 'conv2d': {
      const [kh, kw, i, o] = expectRank(memShape, 4, layout);
      return [o, i, kh, kw];
    }
    case 'depthwise2d': {
      const [kh, kw, c, m] = expectRank(memShape, 4, layout);
      return [c * m, 1, kh, kw];
    }
  }
}

/** Converts a memory-layout tensor to PyTorch layout (new tensor; caller disposes). */
export function toTorchLayout(t: tf.Tensor, layout: TorchLayout): tf.Tensor {
  return tf.tidy(() => {
    switch (layout) {
      case 'identity':
        return t.clone();
      case 'linear':
        expectRank(t.shape, 2, layout);
        return tf.transpose(t, [1, 0]);
      case 'conv1d':
        expectRank(t.shape, 3, layout);
        return tf.transpose(t, [2, 1, 0]);
      case 'conv2d':
        expectRank(t.shape, 4, layout);
        return tf.transpose(t, [3, 2, 0, 1]);
      case 'depthwise2d': {
        const [kh, kw, c, m] = expectRank(t.shape, 4, layout);
        return tf.transpose(tf.reshape(t, [kh, kw, c * m]), [2, 0, 1]).reshape([c * m, 1, kh, kw]);
      }
    }
  });
}

/**
 * Converts a PyTorch-layout tensor to memory layout (new tensor; caller disposes).
 * `memShape` is the shape the parameter has in memory; it disambiguates depthwise multipliers
 * and is checked so a wrong file gives an error naming both shapes.
 */
export function fromTorchLayout(t: tf.Tensor, layout: TorchLayout, memShape: readonly number[]): tf.Tensor {
  const expected = torchShapeOf(memShape, layout);
  if (!sameShape(t.shape, expected)) {
    throw new Error(
      `fromTorchLayout: expected PyTorch shape [${expected}] for memory shape [${memShape}] (${layout}), got [${t.shape}]`,
    );
  }
  return tf.tidy(() => {
    switch (layout) {
      case 'identity':
        return t.clone();
      case 'linear':
        return tf.transpose(t, [1, 0]);
      case 'conv1d':
        return tf.transpose(t, [2, 1, 0]);
      case 'conv2d':
        return tf.transpose(t, [2, 3, 1, 0]);
      case 'depthwise2d': {
        const [kh, kw, c, m] = memShape as [number, number, number, number];
        return tf.transpose(tf.reshape(t, [c * m, kh, kw]), [1, 2, 0]).reshape([kh, kw, c, m]);
      }
    }
  });
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function expectRank(shape: readonly number[], rank: 2, layout: TorchLayout): [number, number];
function expectRank(shape: readonly number[], rank: 3, layout: TorchLayout): [number, number, number];
function expectRank(shape: readonly number[], rank: 4, layout: TorchLayout): [number, number, number, number];
function expectRank(shape: readonly number[], rank: number, layout: TorchLayout): number[] {
  if (shape.length !== rank) {
    throw new Error(`layout '${layout}' expects a rank-${rank} tensor, got shape [${shape}]`);
  }
  return [...shape];
}
