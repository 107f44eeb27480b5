/**
 * Conv2DBackpropFilter for wasm, which lacks it (so `tf.conv2d` could not be trained on wasm), and
 * for cpu, whose stock kernel is pathologically slow.
 *
 * dW[kh,kw,ci,co] = sum over (b,oh,ow) of x[b, oh*sh+kh*dh-pt, ow*sw+kw*dw-pl, ci] * dy[b,oh,ow,co].
 * We write the transposed im2col matrix colsT [kh*kw*ci, b*oh*ow] directly (a transpose on wasm is
 * slow) and multiply it by dy viewed as [b*oh*ow, co] with one plain 2-D matMul, the one matMul
 * shape wasm runs fast (XNNPACK). Large batches go in chunks to bound the im2col memory.
 * NHWC only: NCHW goes to the stock kernel where there is one (cpu); wasm's conv rejects NCHW.
 */

import type * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { dataFormatAttr, input, numberListAttr, rank4 } from './attrs.js';
import { matMul2d } from './call-kernel.js';
import { conv2dInfo } from './conv-geometry.js';
import { dyChunk, imagesPerChunk } from './im2col-chunk.js';
import { kernelIo, type NumericArray } from './kernel-io.js';
import { stockBehind, wrapperConfig } from './wrap-stock.js';

const KERNEL = 'Conv2DBackpropFilter';

/** Writes colsT rows for `images` images starting at `firstImage`; out-of-image taps stay zero. */
function fillColumns(
  info: tf.backend_util.Conv2DInfo,
  xs: NumericArray,
  cols: NumericArray,
  firstImage: number,
  images: number,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const n = images * OH * OW;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      const dh = kh * info.dilationHeight - pt;
      const dw = kw * info.dilationWidth - pl;
      // First and last output column whose input column is inside the image.
      const owMin = Math.max(0, Math.ceil(-dw / info.strideWidth));
      const owEnd = Math.min(OW, Math.floor((W - 1 - dw) / info.strideWidth) + 1);
      for (let c = 0; c < C; c++) {
        const row = ((kh * info.filterWidth + kw) * C + c) * n;
        for (let b = 0; b < images; b++) {
          const xImage = (firstImage + b) * H;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * info.strideHeight + dh;
            // Out-of-image rows stay zero (alloc zero-fills).
            if (ih < 0 || ih >= H) continue;
            const xRow = (xImage + ih) * W;
            const dst = row + (b * OH + oh) * OW;
            for (let ow = owMin; ow < owEnd; ow++) {
              cols[dst + ow] = xs[(xRow + ow * info.strideWidth + dw) * C + c] as number;
            }
          }
        }
      }
    }
  }
}

/** Stock kernels per backend, for the data formats this kernel does not handle (cpu's NCHW). */
const fallbacks = new Map<string, KernelConfig>();

const conv2DBackpropFilter: KernelFunc = (args): TensorInfo | TensorInfo[] => {
  const { inputs, backend, attrs } = args;
  if (dataFormatAttr(attrs, KERNEL) !== 'NHWC') {
    const fallback = fallbacks.get(kernelIo(backend).backendName);
    if (fallback !== undefined) return fallback.kernelFunc(args);
    throw new Error(`${KERNEL}: peftkit's kernel supports only dataFormat 'NHWC'`);
  }
  const x = input(inputs, 'x', KERNEL);
  const dy = input(inputs, 'dy', KERNEL);
  const filterShape = rank4(numberListAttr(attrs, 'filterShape', KERNEL), 'filterShape', KERNEL);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${KERNEL}: expected float32 tensors`);
  // tfjs passes no dilations to this kernel today; they are honoured if it ever does.
  const info = conv2dInfo(rank4(x.shape, 'x', KERNEL), filterShape, attrs, KERNEL);
  const io = kernelIo(backend);
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const co = info.outChannels;
  const perImage = info.outHeight * info.outWidth;
  const chunk = imagesPerChunk(k * perImage);

  let result: TensorInfo | undefined;
  for (let b0 = 0; b0 < info.batchSize; b0 += chunk) {
    const images = Math.min(chunk, info.batchSize - b0);
    const n = images * perImage;
    const cols = io.alloc([k, n], 'float32');
    const whole = images === info.batchSize;
    const dyRows = dyChunk(io, dy, b0, images, perImage, co, whole);
    fillColumns(info, io.view(x), io.view(cols), b0, images);
    const part = matMul2d(io.backendName, backend, cols, dyRows);
    io.free(cols);
    if (!whole) io.free(dyRows);
    if (result === undefined) {
      result = part;
    } else {
      const acc = io.view(result);
      const add = io.view(part);
      for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (add[i] as number);
      io.free(part);
    }
  }
  if (result === undefined) return io.alloc(filterShape, 'float32');
  // Same data, filter-shaped: the stock kernels relabel matMul outputs the same way.
  return { dataId: result.dataId, shape: filterShape, dtype: 'float32' };
};

/**
 * im2col + 2-D matMul Conv2DBackpropFilter. On wasm the stock kernel is missing; on cpu it is a
 * per-element loop through TensorBuffer.get: 119 s against 4.9 s here (16x32x32x64, 3x3x64x64).
 */
export function conv2DBackpropFilterConfig(
  backendName: 'wasm' | 'cpu',
  current?: KernelConfig,
): KernelConfig {
  const stock = current === undefined ? undefined : stockBehind(current);
  if (stock === undefined || stock.kernelFunc === conv2DBackpropFilter) {
    return { kernelName: KERNEL, backendName, kernelFunc: conv2DBackpropFilter };
  }
  fallbacks.set(backendName, stock);
  return wrapperConfig(conv2DBackpropFilter, stock);
}
