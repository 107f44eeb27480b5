import { Conv2d, Module, ReLU, Sequential } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { FrozenStatsBatchNorm2d } from '../frozen-batch-norm.js';

const conv3x3 = (i: number, o: number, stride = 1) =>
  new Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1) => new Conv2d(i, o, 1, { stride, bias: false });

/** torchvision's `downsample`: a strided 1x1 conv and a BatchNorm (children `0`, `1`). */
function downsample(inC: number, outC: number, stride: number): Sequential {
  return new Sequential(conv1x1(inC, outC, stride), new FrozenStatsBatchNorm2d(outC));
}

/** The residual add and ReLU shared by both blocks. */
abstract class ResidualBlock extends Module<[tf.Tensor], tf.Tensor> {
  protected abstract residual(x: tf.Tensor): tf.Tensor;

  forward(x: tf.Tensor): tf.Tensor {
    const identity = this.hasSubmodule('downsample') ? this.child('downsample').call(x) : x;
    return this.child('relu').call(tf.add(this.residual(x), identity));
  }
}

/** torchvision's `BasicBlock` (expansion 1): conv1 3x3 (stride) -> bn1 -> relu -> conv2 3x3 -> bn2. */
export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;

  constructor(inC: number, planes: number, stride: number) {
    super();
    this.registerModule('conv1', conv3x3(inC, planes, stride));
    this.registerModule('bn1', new FrozenStatsBatchNorm2d(planes));
    this.registerModule('relu', new ReLU());
    this.registerModule('conv2', conv3x3(planes, planes));
    this.registerModule('bn2', new FrozenStatsBatchNorm2d(planes));
    if (stride !== 1 || inC !== planes) this.registerModule('downsample', downsample(inC, planes, stride));
  }

  protected residual(x: tf.Tensor): tf.Tensor {
    const h = this.child('relu').call(this.child('bn1').call(this.child('conv1').call(x)));
    return this.child('bn2').call(this.child('conv2').call(h));
  }
}

/**
 * torchvision's `Bottleneck` (expansion 4, ResNet v1.5: the stride is on the 3x3 conv):
 * conv1 1x1 -> bn1 -> relu -> conv2 3x3 (stride) -> bn2 -> relu -> conv3 1x1 -> bn3.
 */
export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;

  constructor(inC: number, planes: number, stride: number) {
    super();
    const out = planes * Bottleneck.expansion;
    this.registerModule('conv1', conv1x1(inC, planes));
    this.registerModule('bn1', new FrozenStatsBatchNorm2d(planes));
    this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.registerModule('bn2', new FrozenStatsBatchNorm2d(planes));
    this.registerModule('conv3', conv1x1(planes, out));
    this.registerModule('bn3', new FrozenStatsBatchNorm2d(out));
    this.registerModule('relu', new ReLU());
    if (stride !== 1 || inC !== out) this.registerModule('downsample', downsample(inC, out, stride));
  }

  protected residual(x: tf.Tensor): tf.Tensor {
    const relu = this.child('relu');
    let h = relu.call(this.child('bn1').call(this.child('conv1').call(x)));
    h = relu.call(this.child('bn2').call(this.child('conv2').call(h)));
    return this.child('bn3').call(this.child('conv3').call(h));
  }
}
