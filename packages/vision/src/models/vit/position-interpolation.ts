import * as tf from '@tensorflow/tfjs';

/** How position embeddings are resampled for another grid: PyTorch's `bicubic` (HF ViT) or `bilinear`. */
export type PositionInterpolation = 'bicubic' | 'bilinear';

/** PyTorch's cubic convolution coefficient. */
const A = -0.75;

function cubicNear(t: number): number {
  return ((A + 2) * t - (A + 3)) * t * t + 1;
}

function cubicFar(t: number): number {
  return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
}

/**
 * `[outSize, inSize]` weights of 1-D resampling as `torch.nn.functional.interpolate` with
 * `align_corners=False` and an explicit output size: bicubic (A = -0.75, indices clamped at the
 * borders) or bilinear (source clamped at 0). Equal sizes give the identity.
 */
export function interpolationMatrix(
  inSize: number,
  outSize: number,
  mode: PositionInterpolation,
): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  const clamp = (i: number) => Math.min(inSize - 1, Math.max(0, i));
  for (let o = 0; o < outSize; o++) {
    const row = o * inSize;
    if (mode === 'bilinear') {
      const real = Math.max(0, scale * (o + 0.5) - 0.5);
      const i0 = Math.floor(real);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const l = real - i0;
      m[row + clamp(i0)] = (m[row + clamp(i0)] as number) + (1 - l);
      m[row + i1] = (m[row + i1] as number) + l;
      continue;
    }
    const real = scale * (o + 0.5) - 0.5;
    const i0 = Math.floor(real);
    const t = real - i0;
    const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
    w.forEach((wk, k) => {
      const j = clamp(i0 - 1 + k);
      m[row + j] = (m[row + j] as number) + wk;
    });
  }
  return m;
}

/**
 * Resamples ViT position embeddings `[1, 1 + gh*gw, d]` (class token first, patches row-major)
 * to a `newGrid` of patches, as HF's `interpolate_pos_encoding`: the class token's embedding is
 * kept, the patch grid is resized per feature. Expressed as one matMul with a fixed
 * `[newN, N]` matrix (the Kronecker product of the row and column weights), so gradients flow
 * to the original embeddings and every backend can train through it.
 */
export function interpolatePositionEmbeddings(
  pos: tf.Tensor,
  grid: readonly [number, number],
  newGrid: readonly [number, number],
  mode: PositionInterpolation,
): tf.Tensor {
  const [gh, gw] = grid;
  const [nh, nw] = newGrid;
  const d = pos.shape[2] as number;
  if (pos.shape[1] !== 1 + gh * gw) {
    throw new Error(
      `interpolatePositionEmbeddings: expected [1, ${1 + gh * gw}, d] for a ${gh}x${gw} grid, got [${pos.shape}]`,
    );
  }
  if (gh === nh && gw === nw) return pos;
  const wy = interpolationMatrix(gh, nh, mode);
  const wx = interpolationMatrix(gw, nw, mode);
  const k = new Float32Array(nh * nw * gh * gw);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const r = (y * nw + x) * gh * gw;
      for (let sy = 0; sy < gh; sy++) {
        const a = wy[y * gh + sy] as number;
        if (a === 0) continue;
        for (let sx = 0; sx < gw; sx++) k[r + sy * gw + sx] = a * (wx[x * gw + sx] as number);
      }
    }
  }
  return tf.tidy(() => {
    const cls = tf.slice(pos, [0, 0, 0], [1, 1, d]);
    const patches = tf.reshape(tf.slice(pos, [0, 1, 0], [1, gh * gw, d]), [gh * gw, d]);
    const resized = tf.matMul(tf.tensor2d(k, [nh * nw, gh * gw]), patches);
    return tf.concat([cls, tf.reshape(resized, [1, nh * nw, d])], 1);
  });
}
