import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { Rng } from '../../runtime/random.js';

/**
 * Plain-JS references and utilities for the nn tests (not exported from the package). The
 * references loop over indices the way the PyTorch docs define each op, independent of tfjs.
 */

/** Pins the cpu backend so results do not depend on what else registered itself. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Deterministic data in [-1, 1) (or N(0,1) with `normal`), independent of the global seed. */
export function randomData(n: number, seed: number, normal = false): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = normal ? rng.normal() : rng.uniform(-1, 1);
  return out;
}

export function randomTensor(shape: number[], seed: number, normal = false): tf.Tensor {
  return tf.tensor(
    randomData(
      shape.reduce((a, b) => a * b, 1),
      seed,
      normal,
    ),
    shape,
  );
}

/** Element-wise comparison with an absolute + relative tolerance and a useful failure message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-4,
  what = 'values',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
    }
  }
}

/** erf by its Maclaurin series; accurate to ~1e-15 for |x| <= 3, which the tests stay within. */
export function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

export interface NaiveConvArgs {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/**
 * PyTorch conv2d by definition, on NHWC input with an OIHW weight (`[out, in/groups, kh, kw]`)
 * so that it also checks the memory <-> file layout mapping. Returns [data, shape].
 */
export function naiveConv2d(
  x: Float32Array,
  [b, h, w, c]: [number, number, number, number],
  weight: Float32Array,
  [o, ig, kh, kw]: [number, number, number, number],
  bias: Float32Array | undefined,
  args: NaiveConvArgs,
): [Float32Array, [number, number, number, number]] {
  const [sh, sw] = args.stride;
  const [ph, pw] = args.padding;
  const [dh, dw] = args.dilation;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const outPerGroup = o / args.groups;
  const out = new Float32Array(b * oh * ow * o);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let oc = 0; oc < o; oc++) {
          const g = Math.floor(oc / outPerGroup);
          let acc = bias ? (bias[oc] as number) : 0;
          for (let ic = 0; ic < ig; ic++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * sh - ph + i * dh;
                const xx = xo * sw - pw + j * dw;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                const cin = g * ig + ic;
                acc +=
                  (x[((n * h + yy) * w + xx) * c + cin] as number) *
                  (weight[((oc * ig + ic) * kh + i) * kw + j] as number);
              }
          out[((n * oh + y) * ow + xo) * o + oc] = acc;
        }
  return [out, [b, oh, ow, o]];
}
