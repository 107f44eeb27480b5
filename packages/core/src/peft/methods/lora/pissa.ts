import * as tf from '@tensorflow/tfjs';
import type { Parameter } from '../../../nn/index.js';
import {
  leadingColumns,
  type Matrix,
  matMul,
  matrixFromTensor,
  scaleColumns,
  svdJacobi,
  svdRandomized,
  transpose,
  zerosMatrix,
} from './svd.js';

/**
 * PiSSA initialisation (Meng et al. 2024), with HF PEFT's formulas. For the PyTorch weight
 * `W = U S V^T` (`[out, in]`), HF sets `S_r' = S_r / scaling`, `lora_A = sqrt(S_r') V_r^T`,
 * `lora_B = U_r sqrt(S_r')` and replaces the base weight by the residual `W - scaling * B A`, so
 * the adapted layer computes exactly what the base did.
 *
 * peftkit keeps the Linear weight as `W^T` (`[in, out]`) in memory, whose SVD has the roles of
 * the singular vectors swapped; hence `A_mem = V_r sqrt(S_r')` (`[in, r]`) and
 * `B_mem = sqrt(S_r') U_r^T` (`[r, out]`), which are exactly HF's tensors in memory layout.
 *
 * `iterations = 'exact'` uses the exact Jacobi SVD (HF `'pissa'`); a number uses the randomized
 * SVD with that many subspace iterations (HF `'pissa_niter_<n>'`), seeded from `getRng()`.
 */
export function pissaInit(options: {
  weight: Parameter;
  a: Parameter;
  b: Parameter;
  r: number;
  scaling: number;
  iterations: number | 'exact';
  where: string;
}): void {
  const { weight, a, b, r, scaling, iterations, where } = options;
  const [inF, outF] = weight.shape as [number, number];
  if (r > Math.min(inF, outF)) {
    throw new Error(`${where}: PiSSA needs r <= min(in, out) = ${Math.min(inF, outF)}, got r=${r}`);
  }
  const w = matrixFromTensor(weight.value);
  const svd = iterations === 'exact' ? svdJacobi(w) : svdRandomized(w, r, iterations);
  const root = Float64Array.from(svd.s.subarray(0, r), (s) => Math.sqrt(s / scaling));
  const aMem = scaleColumns(leadingColumns(svd.u, r), root); // [in, r]
  const bMem = transpose(scaleColumns(leadingColumns(svd.v, r), root)); // [r, out]
  const residual = subtractScaled(w, matMul(aMem, bMem), scaling);
  assignMatrix(a, aMem);
  assignMatrix(b, bMem);
  assignMatrix(weight, residual);
}

function subtractScaled(w: Matrix, d: Matrix, scaling: number): Matrix {
  const out = zerosMatrix(w.rows, w.cols);
  for (let i = 0; i < w.data.length; i++)
    out.data[i] = (w.data[i] as number) - scaling * (d.data[i] as number);
  return out;
}

function assignMatrix(p: Parameter, m: Matrix): void {
  const t = tf.tensor(Float32Array.from(m.data), [...p.shape], 'float32');
  try {
    p.assign(t);
  } finally {
    t.dispose();
  }
}
