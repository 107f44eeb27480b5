import {
  Conv2d,
  GlobalAvgPool2d,
  Identity,
  Linear,
  MaxPool2d,
  Module,
  ModuleList,
  normal,
  ReLU,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { FrozenStatsBatchNorm2d } from '../frozen-batch-norm.js';
import { BasicBlock, Bottleneck } from './blocks.js';
import { type ResNetConfig, type ResNetConfigInput, resnetConfigSchema, resnetFeatures } from './config.js';

/**
 * A ResNet with torchvision's module names (`conv1`, `bn1`, `layer1.0.conv1`, ...,
 * `layerK.N.downsample.0|1`, `fc`), so torchvision state dicts load unchanged (conv weights
 * OIHW in files, HWIO in memory). Input is NHWC `[B, H, W, C]`. `forward` returns logits with
 * `fc` (`num_classes > 0`), otherwise the pooled features `[B, resnetFeatures(config)]`.
 *
 * BatchNorms are `FrozenStatsBatchNorm2d`: when PEFT freezes the base, their running
 * statistics stay fixed during adapter training.
 *
 * Init as torchvision: conv weights kaiming-normal (fan_out, ReLU gain), BN weight 1, bias 0.
 *
 * @example
 * const net = new ResNet(resnetConfig('resnet18', { num_classes: 10 }));
 * const logits = net.call(tf.zeros([2, 64, 64, 3])); // [2, 10]
 */
export class ResNet extends Module<[tf.Tensor], tf.Tensor> {
  readonly config: ResNetConfig;

  constructor(config: ResNetConfigInput = {}) {
    super();
    const c = resnetConfigSchema.parse(config);
    this.config = Object.freeze(c);
    const small = c.stem === 'small';
    this.registerModule(
      'conv1',
      new Conv2d(c.num_channels, c.width, small ? 3 : 7, {
        stride: small ? 1 : 2,
        padding: small ? 1 : 3,
        bias: false,
      }),
    );
    this.registerModule('bn1', new FrozenStatsBatchNorm2d(c.width));
    this.registerModule('relu', new ReLU());
    this.registerModule('maxpool', small ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 }));
    const Block = c.block === 'bottleneck' ? Bottleneck : BasicBlock;
    let inC = c.width;
    c.layers.forEach((n, k) => {
      const planes = c.width * 2 ** k;
      const blocks = new ModuleList();
      for (let i = 0; i < n; i++) {
        blocks.append(new Block(inC, planes, i === 0 && k > 0 ? 2 : 1));
        inC = planes * Block.expansion;
      }
      this.registerModule(`layer${k + 1}`, blocks);
    });
    this.registerModule('avgpool', new GlobalAvgPool2d());
    if (c.num_classes > 0) this.registerModule('fc', new Linear(resnetFeatures(c), c.num_classes));
    this.initWeights();
  }

  private initWeights(): void {
    for (const [path, m] of this.namedModules()) {
      if (m instanceof Conv2d) {
        const [kh, kw, , out] = m.weight.shape as [number, number, number, number];
        const t = normal(m.weight.shape, Math.sqrt(2 / (out * kh * kw)));
        m.weight.assign(t);
        t.dispose();
      }
      if (this.config.zero_init_residual && m instanceof FrozenStatsBatchNorm2d && /\.bn[23]$/.test(path)) {
        const last = this.config.block === 'bottleneck' ? 'bn3' : 'bn2';
        if (path.endsWith(last) && m.weight) {
          const z = tf.zerosLike(m.weight.value);
          m.weight.assign(z);
          z.dispose();
        }
      }
    }
  }

  /** Pooled features `[B, C]` (everything but `fc`). */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    let h = this.child('maxpool').call(
      this.child('relu').call(this.child('bn1').call(this.child('conv1').call(x))),
    );
    for (let k = 1; k <= this.config.layers.length; k++) {
      for (const block of this.child<ModuleList>(`layer${k}`)) h = block.call(h) as tf.Tensor;
    }
    return this.child('avgpool').call(h);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const f = this.forwardFeatures(x);
    return this.hasSubmodule('fc') ? this.child('fc').call(f) : f;
  }
}
