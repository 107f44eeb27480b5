/**
 * Conv3DBackpropInputV2 for wasm. The stock wasm kernel returns wrong values near the borders
 * (measured against finite differences and the cpu backend), so `tf.conv3d`'s input gradient was
 * silently wrong on wasm. This direct loop costs as much as the forward conv; 3-D convs are rare
 * in PEFT workloads, so correctness wins over speed here.
 */

import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { input, numberListAttr, pad3dAttr, rank5, tripleAttr } from './attrs.js';
import { kernelIo, type NumericArray } from './kernel-io.js';

const KERNEL = 'Conv3DBackpropInputV2';

function inputGrad(
  info: tf.backend_util.Conv3DInfo,
  dys: NumericArray,
  ws: NumericArray,
  dxs: NumericArray,
): void {
  const { inDepth: D, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO } = info;
  const { outDepth: OD, outHeight: OH, outWidth: OW } = info;
  const { front, top, left } = info.padInfo;
  for (let b = 0; b < info.batchSize; b++) {
    for (let od = 0; od < OD; od++) {
      for (let kd = 0; kd < info.filterDepth; kd++) {
        const id = od * info.strideDepth + kd * info.dilationDepth - front;
        if (id < 0 || id >= D) continue;
        for (let oh = 0; oh < OH; oh++) {
          for (let kh = 0; kh < info.filterHeight; kh++) {
            const ih = oh * info.strideHeight + kh * info.dilationHeight - top;
            if (ih < 0 || ih >= H) continue;
            for (let ow = 0; ow < OW; ow++) {
              const dyAt = (((b * OD + od) * OH + oh) * OW + ow) * CO;
              for (let kw = 0; kw < info.filterWidth; kw++) {
                const iw = ow * info.strideWidth + kw * info.dilationWidth - left;
                if (iw < 0 || iw >= W) continue;
                const xAt = (((b * D + id) * H + ih) * W + iw) * CI;
                const wAt = ((kd * info.filterHeight + kh) * info.filterWidth + kw) * CI * CO;
                for (let ci = 0; ci < CI; ci++) {
                  let s = 0;
                  const wRow = wAt + ci * CO;
                  for (let co = 0; co < CO; co++) s += (dys[dyAt + co] as number) * (ws[wRow + co] as number);
                  dxs[xAt + ci] = (dxs[xAt + ci] as number) + s;
                }
              }
            }
          }
        }
      }
    }
  }
}

const conv3DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = input(inputs, 'dy', KERNEL);
  const filter = input(inputs, 'filter', KERNEL);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32')
    throw new Error(`${KERNEL}: expected float32 tensors`);
  const inputShape = rank5(numberListAttr(attrs, 'inputShape', KERNEL), 'inputShape', KERNEL);
  const info = tf.backend_util.computeConv3DInfo(
    inputShape,
    rank5(filter.shape, 'filter', KERNEL),
    tripleAttr(attrs, 'strides', KERNEL),
    tripleAttr(attrs, 'dilations', KERNEL, 1),
    pad3dAttr(attrs, KERNEL),
  );
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
