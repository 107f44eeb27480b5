/**
 * Conv3DBackpropFilterV2 for wasm. The stock wasm kernel is wrong for strides > 1 (off by up to 10
 * against finite differences, while the cpu kernel agrees to 1e-5), so `tf.conv3d`'s filter
 * gradient was silently wrong on wasm. A direct loop, as costly as the forward conv.
 */

import type * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { input, numberListAttr, rank5 } from './attrs.js';
import { conv3dInfo, forEachConv3dTap } from './conv-geometry.js';
import { kernelIo, type NumericArray } from './kernel-io.js';

const KERNEL = 'Conv3DBackpropFilterV2';

function filterGrad(
  info: tf.backend_util.Conv3DInfo,
  xs: NumericArray,
  dys: NumericArray,
  dws: NumericArray,
): void {
  const { inChannels: CI, outChannels: CO } = info;
  forEachConv3dTap(info, (dyAt, xAt, wAt) => {
    for (let ci = 0; ci < CI; ci++) {
      const xv = xs[xAt + ci] as number;
      const wRow = wAt + ci * CO;
      for (let co = 0; co < CO; co++) {
        dws[wRow + co] = (dws[wRow + co] as number) + xv * (dys[dyAt + co] as number);
      }
    }
  });
}

const conv3DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x', KERNEL);
  const dy = input(inputs, 'dy', KERNEL);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${KERNEL}: expected float32 tensors`);
  const filterShape = rank5(numberListAttr(attrs, 'filterShape', KERNEL), 'filterShape', KERNEL);
  const info = conv3dInfo(rank5(x.shape, 'x', KERNEL), filterShape, attrs, KERNEL);
  const io = kernelIo(backend);
  const dw = io.alloc(filterShape, 'float32');
  filterGrad(info, io.view(x), io.view(dy), io.view(dw));
  return dw;
};

/** Correct Conv3DBackpropFilterV2 for wasm. */
export const conv3DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: conv3DBackpropFilter,
};
