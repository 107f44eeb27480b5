/**
 * Shared geometry of the depthwise-conv gradient kernels (wasm has neither of them).
 *
 * A depthwise conv mixes no channels, so both gradients cost the same as the forward pass and a
 * direct loop is enough: for each output pixel and each filter tap inside the image, the inner
 * loop runs over contiguous channels. Unlike the stock cpu input-gradient kernel, dilations are
 * honoured.
 */

import type * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { rank4 } from './attrs.js';
import { conv2dInfo } from './conv-geometry.js';

/** Geometry of one depthwise convolution. */
export type DepthwiseInfo = tf.backend_util.Conv2DInfo;

/** Conv geometry from a depthwise kernel's attributes. */
export function depthwiseInfo(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: NamedAttrMap | undefined,
  kernel: string,
): DepthwiseInfo {
  return conv2dInfo(
    rank4(inShape, 'input', kernel),
    rank4(filterShape, 'filter', kernel),
    attrs,
    kernel,
    true,
  );
}

/**
 * Visits every (output pixel, filter tap) pair whose input pixel lies inside the image, passing
 * the flat offsets of the output pixel, the input pixel and the tap's first filter element.
 */
export function forEachTap(
  info: DepthwiseInfo,
  visit: (dyAt: number, xAt: number, wAt: number) => void,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < info.filterHeight; kh++) {
        const ih = oh * info.strideHeight + kh * info.dilationHeight - pt;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++) {
          const dyAt = ((b * OH + oh) * OW + ow) * CO;
          for (let kw = 0; kw < info.filterWidth; kw++) {
            const iw = ow * info.strideWidth + kw * info.dilationWidth - pl;
            if (iw < 0 || iw >= W) continue;
            visit(dyAt, ((b * H + ih) * W + iw) * C, (kh * info.filterWidth + kw) * CO);
          }
        }
      }
    }
  }
}

/** Rejects non-float32 tensors with the kernel's name. */
export function assertFloat(kernel: string, ...ts: TensorInfo[]): void {
  for (const t of ts)
    if (t.dtype !== 'float32') throw new Error(`${kernel}: expected float32 tensors, got ${t.dtype}`);
}
