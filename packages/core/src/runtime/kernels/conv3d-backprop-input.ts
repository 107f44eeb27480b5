/**
 * Conv3DBackpropInputV2 for wasm. The stock wasm kernel returns wrong values near the borders
 * (measured against finite differences and the cpu backend), so `tf.conv3d`'s input gradient was
 * silently wrong on wasm. This direct loop costs as much as the forward conv; 3-D convs are rare
 * in PEFT workloads, so correctness wins over speed here.
 */

import type * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { input, numberListAttr, rank5 } from './attrs.js';
import { conv3dInfo, forEachConv3dTap } from './conv-geometry.js';
import { kernelIo, type NumericArray } from './kernel-io.js';

const KERNEL = 'Conv3DBackpropInputV2';

function inputGrad(
  info: tf.backend_util.Conv3DInfo,
  dys: NumericArray,
  ws: NumericArray,
  dxs: NumericArray,
): void {
  const { inChannels: CI, outChannels: CO } = info;
  forEachConv3dTap(info, (dyAt, xAt, wAt) => {
    for (let ci = 0; ci < CI; ci++) {
      let s = 0;
      const wRow = wAt + ci * CO;
      for (let co = 0; co < CO; co++) s += (dys[dyAt + co] as number) * (ws[wRow + co] as number);
      dxs[xAt + ci] = (dxs[xAt + ci] as number) + s;
    }
  });
}

const conv3DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = input(inputs, 'dy', KERNEL);
  const filter = input(inputs, 'filter', KERNEL);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32')
    throw new Error(`${KERNEL}: expected float32 tensors`);
  const inputShape = rank5(numberListAttr(attrs, 'inputShape', KERNEL), 'inputShape', KERNEL);
  const info = conv3dInfo(inputShape, rank5(filter.shape, 'filter', KERNEL), attrs, KERNEL);
  const io = kernelIo(backend);
  const dx = io.alloc(inputShape, 'float32');
  inputGrad(info, io.view(dy), io.view(filter), io.view(dx));
  return dx;
};

/** Correct Conv3DBackpropInputV2 for wasm. */
export const conv3DBackpropInputWasmConfig: KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: conv3DBackpropInput,
};
