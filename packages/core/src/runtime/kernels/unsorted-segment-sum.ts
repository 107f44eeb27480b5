/**
 * UnsortedSegmentSum as one scatter-add pass. This is the kernel `tf.gather`'s gradient calls, so
 * it is the embedding backward. wasm has no such kernel at all, and the stock cpu kernel builds one
 * mask, product and sum per segment: O(numSegments * x.size), minutes for a real vocabulary. A
 * scatter-add is O(x.size).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { input, numberAttr } from './attrs.js';
import { kernelIo, sizeOf } from './kernel-io.js';

const KERNEL = 'UnsortedSegmentSum';

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const io = kernelIo(backend);
  const x = input(inputs, 'x', KERNEL);
  const segmentIds = input(inputs, 'segmentIds', KERNEL);
  const numSegments = numberAttr(attrs, 'numSegments', KERNEL);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${KERNEL}: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const idRank = segmentIds.shape.length;
  if (idRank > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `${KERNEL}: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`${KERNEL}: x must be float32 or int32, got ${x.dtype}`);
  }
  const innerShape = x.shape.slice(idRank);
  const inner = sizeOf(innerShape);
  const numIds = sizeOf(segmentIds.shape);

  const out = io.alloc([numSegments, ...innerShape], x.dtype);
  const xs = io.view(x);
  const ids = io.view(segmentIds);
  const os = io.view(out);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i] as number;
    // Like TensorFlow, ids outside [0, numSegments) are dropped rather than raising.
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) os[dst + j] = (os[dst + j] as number) + (xs[src + j] as number);
  }
  return out;
};

/** Scatter-add UnsortedSegmentSum for the given backend. */
export function unsortedSegmentSumConfig(backendName: 'wasm' | 'cpu'): KernelConfig {
  return { kernelName: KERNEL, backendName, kernelFunc: unsortedSegmentSum };
}
