/**
 * Conv3DBackpropFilterV2 for wasm. The stock wasm kernel is wrong for strides > 1 (off by up to 10
 * against finite differences, while the cpu kernel agrees to 1e-5), so `tf.conv3d`'s filter
 * gradient was silently wrong on wasm. A direct loop, as costly as the forward conv.
 */

import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { input, numberListAttr, pad3dAttr, rank5, tripleAttr } from './attrs.js';
import { kernelIo, type NumericArray } from './kernel-io.js';

const KERNEL = 'Conv3DBackpropFilterV2';

function filterGrad(
  info: tf.backend_util.Conv3DInfo,
  xs: NumericArray,
  dys: NumericArray,
  dws: NumericArray,
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
                  const xv = xs[xAt + ci] as number;
                  const wRow = wAt + ci * CO;
                  for (let co = 0; co < CO; co++) {
                    dws[wRow + co] = (dws[wRow + co] as number) + xv * (dys[dyAt + co] as number);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

const conv3DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x', KERNEL);
  const dy = input(inputs, 'dy', KERNEL);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${KERNEL}: expected float32 tensors`);
  const filterShape = rank5(numberListAttr(attrs, 'filterShape', KERNEL), 'filterShape', KERNEL);
  const info = tf.backend_util.computeConv3DInfo(
    rank5(x.shape, 'x', KERNEL),
    filterShape,
    tripleAttr(attrs, 'strides', KERNEL),
    tripleAttr(attrs, 'dilations', KERNEL, 1),
    pad3dAttr(attrs, KERNEL),
  );
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
