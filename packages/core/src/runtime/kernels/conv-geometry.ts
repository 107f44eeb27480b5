/**
 * Conv geometry from a kernel's attributes, shared by the conv gradient kernels, and the
 * direct-loop walk of the 3-D ones.
 */

import type { NamedAttrMap } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { pad3dAttr, padAttr, pairAttr, roundingAttr, tripleAttr } from './attrs.js';

type Shape4 = [number, number, number, number];
type Shape5 = [number, number, number, number, number];

/**
 * NHWC conv (or, `depthwise`, depthwise conv) geometry from the `strides`, `dilations` (default 1),
 * `pad` and `dimRoundingMode` attributes.
 */
export function conv2dInfo(
  inShape: Shape4,
  filterShape: Shape4,
  attrs: NamedAttrMap | undefined,
  kernel: string,
  depthwise = false,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    pairAttr(attrs, 'strides', kernel),
    pairAttr(attrs, 'dilations', kernel, 1),
    padAttr(attrs, kernel),
    roundingAttr(attrs),
    depthwise,
    'channelsLast',
  );
}

/** NDHWC conv geometry from the `strides`, `dilations` (default 1) and `pad` attributes. */
export function conv3dInfo(
  inShape: Shape5,
  filterShape: Shape5,
  attrs: NamedAttrMap | undefined,
  kernel: string,
): tf.backend_util.Conv3DInfo {
  return tf.backend_util.computeConv3DInfo(
    inShape,
    filterShape,
    tripleAttr(attrs, 'strides', kernel),
    tripleAttr(attrs, 'dilations', kernel, 1),
    pad3dAttr(attrs, kernel),
  );
}

/**
 * Visits every (output voxel, filter tap) pair of a 3-D conv whose input voxel lies inside the
 * volume, passing the flat offsets of the output voxel (`dy`, stride outChannels), the input voxel
 * (`x`, stride inChannels) and the tap's `[inChannels, outChannels]` filter block.
 */
export function forEachConv3dTap(
  info: tf.backend_util.Conv3DInfo,
  visit: (dyAt: number, xAt: number, wAt: number) => void,
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
                visit(dyAt, xAt, ((kd * info.filterHeight + kh) * info.filterWidth + kw) * CI * CO);
              }
            }
          }
        }
      }
    }
  }
}
