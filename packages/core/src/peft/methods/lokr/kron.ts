import * as tf from '@tensorflow/tfjs';

/**
 * Kronecker product of a matrix `a [p, q]` with `b [s, t, ...rest]` (PyTorch's `torch.kron`
 * after HF unsqueezes `a` to `b`'s rank): `out[i·s + k, j·t + l, ...] = a[i, j] · b[k, l, ...]`,
 * shape `[p·s, q·t, ...rest]`. Built from a broadcast multiply and reshapes only, so it is cheap
 * and differentiable on every backend.
 */
export function kron(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank !== 2 || b.rank < 2) {
    throw new Error(
      `kron: expected a rank-2 left factor and a rank >= 2 right factor, got [${a.shape}] and [${b.shape}]`,
    );
  }
  return tf.tidy(() => {
    const [p, q] = a.shape as [number, number];
    const [s, t, ...rest] = b.shape as number[];
    const ones = rest.map(() => 1);
    // [p, 1, q, 1, 1...] * [1, s, 1, t, rest...] -> [p, s, q, t, rest...]: row-major order is
    // already (i, k) then (j, l), so a plain reshape yields the Kronecker layout.
    const prod = tf.mul(
      tf.reshape(a, [p, 1, q, 1, ...ones]),
      tf.reshape(b, [1, s as number, 1, t as number, ...rest]),
    );
    return tf.reshape(prod, [p * (s as number), q * (t as number), ...rest]);
  });
}
