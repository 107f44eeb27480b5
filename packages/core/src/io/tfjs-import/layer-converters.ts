import type * as tf from '@tensorflow/tfjs';
import { Identity, ReLU } from '../../nn/activations.js';
import { BatchNorm2d } from '../../nn/batch-norm.js';
import { Conv1d } from '../../nn/conv1d.js';
import { Conv2d } from '../../nn/conv2d.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Linear } from '../../nn/linear.js';
import type { AnyModule, UnaryModule } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { AvgPool2d, Flatten, GlobalAvgPool2d, MaxPool2d } from '../../nn/pooling.js';
import { kerasActivation } from './activations.js';
import type { LayerConfig } from './layer-config.js';
import {
  CastToInt32,
  Concatenate,
  GlobalPool,
  Merge,
  ParametricActivation,
  Reshape,
  ZeroPad2d,
} from './ops.js';

/** Input shapes of the layer call being converted (batch axis first, `null` when unknown). */
export type SymbolicShape = readonly (number | null)[];

/**
 * A tfjs layer as peftkit modules: `module` becomes the child named after the layer (what PEFT
 * targets), `activation` (a Keras layer's fused activation) runs after it and `pre` before it,
 * both outside the child so wrapping the child never drops them.
 */
export interface ConvertedLayer {
  module: AnyModule;
  activation?: UnaryModule | undefined;
  pre?: UnaryModule;
}

export type LayerConverter = (c: LayerConfig, inputShapes: readonly SymbolicShape[]) => ConvertedLayer;

/** Copies a tfjs weight into a parameter; shapes agree because memory layouts match Keras'. */
function copy(c: LayerConfig, p: Parameter, value: tf.Tensor, what: string): void {
  if (value.shape.length !== p.shape.length || value.shape.some((d, i) => d !== p.shape[i])) {
    c.fail(`weight '${what}' has shape [${value.shape}], expected [${p.shape}]`);
  }
  p.assign(value);
}

/** Keras lets `scale`/`center` be off independently; the missing half is frozen at its identity. */
function copyAffine(c: LayerConfig, weight: Parameter | undefined, bias: Parameter | undefined): void {
  if (!weight || !bias) c.fail('expected an affine norm module');
  if (c.bool('scale', true)) copy(c, weight, c.weight('gamma'), 'gamma');
  else weight.trainable = false;
  if (c.bool('center', true)) copy(c, bias, c.weight('beta'), 'beta');
  else bias.trainable = false;
}

function rankOf(c: LayerConfig, shapes: readonly SymbolicShape[]): number {
  const s = shapes[0];
  if (!s) c.fail('has no input shape');
  return s.length;
}

const dense: LayerConverter = (c) => {
  const kernel = c.weight('kernel');
  if (kernel.rank !== 2) c.fail(`kernel must be 2-D, got [${kernel.shape}]`);
  const [inF, outF] = kernel.shape as [number, number];
  const useBias = c.bool('useBias', true);
  const m = new Linear(inF, outF, { bias: useBias });
  copy(c, m.weight, kernel, 'kernel');
  if (m.bias) copy(c, m.bias, c.weight('bias'), 'bias');
  return { module: m, activation: kerasActivation(c.raw('activation'), c.where) };
};

const conv2d: LayerConverter = (c) => {
  c.requireChannelsLast();
  const kernel = c.weight('kernel');
  const [kh, kw, inC, outC] = kernel.shape as [number, number, number, number];
  const m = new Conv2d(inC, outC, [kh, kw], {
    stride: c.pair('strides', 1),
    padding: c.padding(),
    dilation: c.pair('dilationRate', 1),
    bias: c.bool('useBias', true),
  });
  copy(c, m.weight, kernel, 'kernel');
  if (m.bias) copy(c, m.bias, c.weight('bias'), 'bias');
  return { module: m, activation: kerasActivation(c.raw('activation'), c.where) };
};

const conv1d: LayerConverter = (c) => {
  c.requireChannelsLast();
  const kernel = c.weight('kernel');
  const [k, inC, outC] = kernel.shape as [number, number, number];
  const m = new Conv1d(inC, outC, k, {
    stride: c.single('strides', 1),
    padding: c.padding(),
    dilation: c.single('dilationRate', 1),
    bias: c.bool('useBias', true),
  });
  copy(c, m.weight, kernel, 'kernel');
  if (m.bias) copy(c, m.bias, c.weight('bias'), 'bias');
  return { module: m, activation: kerasActivation(c.raw('activation'), c.where) };
};

const depthwiseConv2d: LayerConverter = (c) => {
  c.requireChannelsLast();
  const kernel = c.weight('depthwise_kernel');
  const [kh, kw, inC, mult] = kernel.shape as [number, number, number, number];
  // PyTorch's depthwise conv is a grouped conv with groups = in channels.
  const m = new Conv2d(inC, inC * mult, [kh, kw], {
    groups: inC,
    stride: c.pair('strides', 1),
    padding: c.padding(),
    dilation: c.pair('dilationRate', 1),
    bias: c.bool('useBias', true),
  });
  copy(c, m.weight, kernel, 'depthwise_kernel');
  if (m.bias) copy(c, m.bias, c.weight('bias'), 'bias');
  return { module: m, activation: kerasActivation(c.raw('activation'), c.where) };
};

const batchNorm: LayerConverter = (c, shapes) => {
  c.requireLastAxis(rankOf(c, shapes));
  const mean = c.weight('moving_mean');
  // Keras: moving = m * moving + (1 - m) * batch; PyTorch's momentum is the batch weight, 1 - m.
  const m = new BatchNorm2d(mean.shape[0]!, {
    eps: c.number('epsilon', 1e-3),
    momentum: 1 - c.number('momentum', 0.99),
    affine: true,
  });
  copy(c, m.runningMean!, mean, 'moving_mean');
  copy(c, m.runningVar!, c.weight('moving_variance'), 'moving_variance');
  copyAffine(c, m.weight, m.bias);
  return { module: m };
};

const layerNorm: LayerConverter = (c, shapes) => {
  const rank = rankOf(c, shapes);
  c.requireLastAxis(rank);
  const d = shapes[0]![rank - 1];
  if (typeof d !== 'number') return c.fail('the normalised (last) axis must have a known size');
  const m = new LayerNorm(d, { eps: c.number('epsilon', 1e-3) });
  copyAffine(c, m.weight, m.bias);
  return { module: m };
};

const embedding: LayerConverter = (c) => {
  if (c.bool('maskZero', false)) c.fail('maskZero is not supported (imported graphs do not propagate masks)');
  const table = c.weight('embeddings');
  const [n, d] = table.shape as [number, number];
  const m = new Embedding(n, d);
  copy(c, m.weight, table, 'embeddings');
  // Keras Embedding casts its (often float32) input to int32; nn Embedding insists on int32.
  return { module: m, pre: new CastToInt32() };
};

function pool2d(kind: 'max' | 'avg'): LayerConverter {
  return (c) => {
    c.requireChannelsLast();
    const kernel = c.pair('poolSize', 2);
    const stride = c.raw('strides') == null ? kernel : c.pair('strides');
    const opts = { stride, padding: c.padding() };
    return { module: kind === 'max' ? new MaxPool2d(kernel, opts) : new AvgPool2d(kernel, opts) };
  };
}

function globalPool(reduce: 'mean' | 'max', axes: number[]): LayerConverter {
  return (c) => {
    c.requireChannelsLast();
    if (c.raw('keepDims') === true) c.fail('keepDims is not supported');
    return {
      module: reduce === 'mean' && axes.length === 2 ? new GlobalAvgPool2d() : new GlobalPool(reduce, axes),
    };
  };
}

const merge =
  (kind: ConstructorParameters<typeof Merge>[0]): LayerConverter =>
  () => ({ module: new Merge(kind) });

/** Converters by tfjs class name (`layer.getClassName()`). */
export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Dense: dense,
  Conv1D: conv1d,
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  Embedding: embedding,
  MaxPooling2D: pool2d('max'),
  AveragePooling2D: pool2d('avg'),
  GlobalAveragePooling2D: globalPool('mean', [1, 2]),
  GlobalMaxPooling2D: globalPool('max', [1, 2]),
  GlobalAveragePooling1D: globalPool('mean', [1]),
  GlobalMaxPooling1D: globalPool('max', [1]),
  Flatten: (c) => {
    c.requireChannelsLast();
    return { module: new Flatten() };
  },
  Dropout: (c) => ({ module: new Dropout(c.number('rate')) }),
  Activation: (c) => ({ module: kerasActivation(c.raw('activation'), c.where) ?? new Identity() }),
  ReLU: (c) => {
    const max = c.raw('maxValue');
    return { module: max == null ? new ReLU() : new ParametricActivation('relu', c.number('maxValue')) };
  },
  LeakyReLU: (c) => ({ module: new ParametricActivation('leakyRelu', c.number('alpha', 0.3)) }),
  ELU: (c) => ({ module: new ParametricActivation('elu', c.number('alpha', 1)) }),
  Softmax: (c) => ({ module: new ParametricActivation('softmax', c.number('axis', 1)) }),
  Reshape: (c) => {
    const target = c.raw('targetShape');
    if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) {
      return c.fail(`targetShape must be an array of numbers, got ${JSON.stringify(target)}`);
    }
    return { module: new Reshape(target) };
  },
  ZeroPadding2D: (c) => {
    c.requireChannelsLast();
    const p = c.raw('padding');
    const ok = Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2);
    if (!ok) return c.fail(`padding must be [[top, bottom], [left, right]], got ${JSON.stringify(p)}`);
    return { module: new ZeroPad2d(p as [[number, number], [number, number]]) };
  },
  Add: merge('add'),
  Subtract: merge('subtract'),
  Multiply: merge('multiply'),
  Average: merge('average'),
  Maximum: merge('maximum'),
  Minimum: merge('minimum'),
  Concatenate: (c) => ({ module: new Concatenate(c.number('axis', -1)) }),
};
