/**
 * DepthwiseConv2dNativeBackpropInput for wasm, which lacks it: dx[b,ih,iw,c] gathers
 * dy[b,oh,ow,c*M+m] * w[kh,kw,c,m] over every tap that reads (ih, iw).
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { input, numberListAttr } from './attrs.js';
import { assertFloat, type DepthwiseInfo, depthwiseInfo, forEachTap } from './depthwise-geometry.js';
import { kernelIo, type NumericArray } from './kernel-io.js';

const KERNEL = 'DepthwiseConv2dNativeBackpropInput';

function inputGrad(info: DepthwiseInfo, dys: NumericArray, ws: NumericArray, dxs: NumericArray): void {
  const C = info.inChannels;
  const M = info.outChannels / C;
  forEachTap(info, (dyAt, xAt, wAt) => {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += (dys[dyAt + c * M + m] as number) * (ws[wAt + c * M + m] as number);
      dxs[xAt + c] = (dxs[xAt + c] as number) + s;
    }
  });
}

const backpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = input(inputs, 'dy', KERNEL);
  const filter = input(inputs, 'filter', KERNEL);
  assertFloat(KERNEL, dy, filter);
  const inputShape = numberListAttr(attrs, 'inputShape', KERNEL);
  const info = depthwiseInfo(inputShape, filter.shape, attrs, KERNEL);
  const io = kernelIo(backend);
  const dx = io.alloc(inputShape, 'float32');
  inputGrad(info, io.view(dy), io.view(filter), io.view(dx));
  return dx;
};

/** Direct-loop DepthwiseConv2dNativeBackpropInput for wasm. */
export const depthwiseBackpropInputWasmConfig: KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: backpropInput,
};
