import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d } from '../../nn/batch-norm.js';
import { Conv2d } from '../../nn/conv2d.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { fileSystemHandler } from '../fs-io-handler.js';
import { toTorchStateDict } from '../torch-state-dict.js';
import { importLayersModel, loadLayersModelFromDir } from './import-layers-model.js';

/** Max |a - b| over all elements. */
function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Conv2D(relu) -> BatchNorm -> residual Add -> GAP -> Dense(softmax), with real BN statistics. */
function residualCnn(): tf.LayersModel {
  const inp = tf.input({ shape: [6, 6, 3], name: 'image' });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'block1/conv' })
    .apply(inp) as tf.SymbolicTensor;
  const bnLayer = tf.layers.batchNormalization({ name: 'block1.bn', epsilon: 0.01, momentum: 0.9 });
  const bn = bnLayer.apply(conv) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'residual' }).apply([conv, bn]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'head' })
    .apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: inp, outputs: out });
  bnLayer.setWeights([
    tf.tensor([1.5, 0.5, -1, 2]), // gamma
    tf.tensor([0.1, -0.2, 0.3, 0]), // beta
    tf.tensor([0.4, 1.2, -0.3, 0.05]), // moving_mean
    tf.tensor([2, 0.25, 1.5, 0.75]), // moving_variance
  ]);
  return model;
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-import-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('importLayersModel', () => {
  it('a residual CNN computes what the LayersModel predicts', () => {
    const model = residualCnn();
    const imported = importLayersModel(model);
    expect(imported.training).toBe(false);
    expect(imported.namedChildren().map(([n, m]) => [n, m.typeName])).toEqual([
      ['block1_conv', 'Conv2d'],
      ['block1_bn', 'BatchNorm2d'],
      ['residual', 'Merge'],
      ['gap', 'GlobalAvgPool2d'],
      ['head', 'Linear'],
    ]);
    expect(imported.pathOf('block1/conv')).toBe('block1_conv');
    expect(imported.pathOf('block1.bn')).toBe('block1_bn');
    const bn = imported.getSubmodule('block1_bn') as BatchNorm2d;
    expect(bn.eps).toBe(0.01);
    expect(bn.momentum).toBeCloseTo(0.1, 12);
    expect([...bn.runningVar!.value.dataSync()]).toEqual([2, 0.25, 1.5, 0.75]);

    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 7);
    const expected = model.predict(x) as tf.Tensor;
    const actual = imported.call(x);
    expect(maxDiff(actual, expected)).toBeLessThan(1e-5);
    // Not trivially equal: BN statistics matter for this output.
    expect(maxDiff(expected, tf.fill(expected.shape, 1 / 3))).toBeGreaterThan(1e-3);
    tf.dispose([x, expected, actual]);
    model.dispose();
    imported.dispose();
  });

  it('is independent of the LayersModel and exposes Dense/Conv to PEFT-style replacement', () => {
    const model = residualCnn();
    const x = tf.randomNormal([1, 6, 6, 3], 0, 1, 'float32', 3);
    const expected = model.predict(x) as tf.Tensor;
    const imported = importLayersModel(model);
    model.dispose();
    const after = imported.call(x);
    expect(maxDiff(after, expected)).toBeLessThan(1e-5);

    // PyTorch-layout export works on the imported tree: head.weight is [out, in].
    const sd = toTorchStateDict(imported);
    expect(sd.get('head.weight')!.shape).toEqual([3, 4]);
    expect(sd.get('block1_conv.weight')!.shape).toEqual([4, 3, 3, 3]);
    tf.dispose([...sd.values()]);

    // Replacing the head (as a LoRA wrapper would) changes what forward runs; the softmax stays.
    class ZeroHead extends Module {
      forward(h: tf.Tensor): tf.Tensor {
        return tf.zeros([h.shape[0]!, 3]);
      }
    }
    expect(imported.getSubmodule('head')).toBeInstanceOf(Linear);
    expect(imported.getSubmodule('block1_conv')).toBeInstanceOf(Conv2d);
    imported.setSubmodule('head', new ZeroHead());
    const replaced = imported.call(x);
    expect(maxDiff(replaced, tf.fill([1, 3], 1 / 3))).toBeLessThan(1e-6);
    tf.dispose([x, expected, after, replaced]);
    imported.dispose();
  });

  it('a Sequential text model: Embedding, Flatten, Dense, Dropout, LayerNormalization', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 3, name: 'emb' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 8, activation: 'gelu', name: 'fc-1' }),
        tf.layers.dropout({ rate: 0.5, name: 'drop' }),
        tf.layers.layerNormalization({ name: 'ln', epsilon: 1e-4 }),
        tf.layers.dense({ units: 2, useBias: false, name: 'out' }),
      ],
    });
    const ln = model.getLayer('ln');
    ln.setWeights([
      tf.tensor([1, 2, 0.5, 1, -1, 1, 3, 0.1]),
      tf.tensor([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
    ]);
    const imported = importLayersModel(model);
    expect([...imported.layerPaths]).toEqual([
      ['emb', 'emb'],
      ['flat', 'flat'],
      ['fc-1', 'fc_1'],
      ['drop', 'drop'],
      ['ln', 'ln'],
      ['out', 'out'],
    ]);
    expect((imported.getSubmodule('out') as Linear).bias).toBeUndefined();
    const ids = tf.tensor([
      [1, 2, 3],
      [9, 0, 4],
    ]);
    const expected = model.predict(ids) as tf.Tensor;
    const actual = imported.call(ids);
    expect(maxDiff(actual, expected)).toBeLessThan(1e-5);
    tf.dispose([ids, expected, actual]);
    model.dispose();
    imported.dispose();
  });

  it('depthwise and strided convs, pooling, padding, concat, reshape and activation layers', () => {
    const inp = tf.input({ shape: [8, 8, 2] });
    const pad = tf.layers
      .zeroPadding2d({
        padding: [
          [1, 0],
          [0, 1],
        ],
      })
      .apply(inp) as tf.SymbolicTensor;
    const dw = tf.layers
      .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', name: 'dw' })
      .apply(pad) as tf.SymbolicTensor; // [7, 7, 4]
    const act = tf.layers.activation({ activation: 'elu' }).apply(dw) as tf.SymbolicTensor;
    const strided = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', dilationRate: 1 })
      .apply(act) as tf.SymbolicTensor; // [4, 4, 4]
    const maxed = tf.layers
      .maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' })
      .apply(act) as tf.SymbolicTensor;
    const leaky = tf.layers.leakyReLU({ alpha: 0.2 }).apply(strided) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ axis: -1 }).apply([leaky, maxed]) as tf.SymbolicTensor; // [4, 4, 8]
    const avg = tf.layers
      .averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' })
      .apply(cat) as tf.SymbolicTensor;
    const mul = tf.layers.multiply().apply([avg, cat]) as tf.SymbolicTensor;
    const reshaped = tf.layers.reshape({ targetShape: [16, 8] }).apply(mul) as tf.SymbolicTensor;
    const gmp = tf.layers.globalMaxPooling1d({}).apply(reshaped) as tf.SymbolicTensor;
    const relu6 = tf.layers.reLU({ maxValue: 6 }).apply(gmp) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'tanh' }).apply(relu6) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: out });
    const imported = importLayersModel(model);
    expect((imported.getSubmodule('dw') as Conv2d).groups).toBe(2);

    const x = tf.randomNormal([2, 8, 8, 2], 0, 2, 'float32', 11);
    const expected = model.predict(x) as tf.Tensor;
    const actual = imported.call(x);
    expect(maxDiff(actual, expected)).toBeLessThan(1e-5);
    tf.dispose([x, expected, actual]);
    model.dispose();
    imported.dispose();
  });

  it('a shared layer becomes one child run at each call', () => {
    const inp = tf.input({ shape: [3] });
    const shared = tf.layers.dense({ units: 3, activation: 'relu', name: 'shared' });
    const a = shared.apply(inp) as tf.SymbolicTensor;
    const b = shared.apply(a) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor });
    const imported = importLayersModel(model);
    expect(imported.namedChildren().filter(([n]) => n === 'shared')).toHaveLength(1);
    expect(imported.numParameters()).toBe(12);
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    const expected = model.predict(x) as tf.Tensor;
    const actual = imported.call(x);
    expect(maxDiff(actual, expected)).toBeLessThan(1e-6);
    tf.dispose([x, expected, actual]);
    model.dispose();
    imported.dispose();
  });
});

describe('import errors', () => {
  it('an unsupported layer names the layer and its class', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 4, name: 'ok' }),
        tf.layers.reshape({ targetShape: [2, 2] }),
        tf.layers.simpleRNN({ units: 2, name: 'my_rnn' }),
      ],
    });
    const before = tf.memory().numTensors;
    expect(() => importLayersModel(model)).toThrow(
      /importLayersModel: layer 'my_rnn' \(SimpleRNN\): unsupported layer class 'SimpleRNN'; supported: Dense, /,
    );
    // The already converted Dense was disposed.
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('channels-first convolutions and non-last-axis norms are refused clearly', () => {
    const cf = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [3, 8, 8],
          filters: 2,
          kernelSize: 3,
          dataFormat: 'channelsFirst',
          name: 'c',
        }),
      ],
    });
    expect(() => importLayersModel(cf)).toThrow(
      /layer 'c' \(Conv2D\): dataFormat 'channelsFirst' is not supported: peftkit layers are channels-last/,
    );
    const bn = tf.sequential({
      layers: [tf.layers.batchNormalization({ inputShape: [3, 4], axis: 1, name: 'bn1' })],
    });
    expect(() => importLayersModel(bn)).toThrow(
      /layer 'bn1' \(BatchNormalization\): axis 1 is not supported/,
    );
    cf.dispose();
    bn.dispose();
  });

  it('multi-output models are refused', () => {
    const inp = tf.input({ shape: [2] });
    const a = tf.layers.dense({ units: 1 }).apply(inp) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 1 }).apply(inp) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: [a, b] });
    expect(() => importLayersModel(model)).toThrow(
      /1 inputs and 2 outputs; only single-input, single-output/,
    );
    model.dispose();
  });

  it('the forward checks the input shape', () => {
    const model = residualCnn();
    const imported = importLayersModel(model);
    const x = tf.zeros([1, 5, 6, 3]);
    expect(() => imported.call(x)).toThrow(/input must have shape \[any,6,6,3\], got \[1,5,6,3\]/);
    tf.dispose(x);
    model.dispose();
    imported.dispose();
  });
});

describe('loadLayersModelFromDir', () => {
  it('loads a saved model.json and imports it', async () => {
    const model = residualCnn();
    const target = path.join(dir, 'cnn');
    await model.save(fileSystemHandler(target));
    const imported = await loadLayersModelFromDir(target);
    expect(imported.getSubmodule('block1_bn')).toBeInstanceOf(BatchNorm2d);
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 5);
    const expected = model.predict(x) as tf.Tensor;
    const actual = imported.call(x);
    expect(maxDiff(actual, expected)).toBeLessThan(1e-5);
    tf.dispose([x, expected, actual]);
    model.dispose();
    imported.dispose();
  });
});
