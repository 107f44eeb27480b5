import type * as tf from '@tensorflow/tfjs';
import { type AnyModule, Conv1d, Conv2d, Dropout, normal, type Parameter } from '../../../nn/index.js';
import { AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';
import type { LoraLayerSettings } from './config.js';
import { type LoraFactors, LoraLayer } from './layer-common.js';
import { zeroInto } from './linear.js';

/**
 * LoRA on a convolution, as HF PEFT's `_ConvNd`: `lora_A` is a conv with the base's kernel,
 * stride and padding mapping `in -> r` channels, `lora_B` a 1x1 conv `r -> out` with the base's
 * `groups` (so `r` must be divisible by `groups`). The composition of a k x k conv and a 1x1 conv
 * is a k x k conv with kernel `A @ B` (over the channel axes), which is the merged delta.
 *
 * Deviations from HF, both in the direction of "works where HF breaks": `lora_A` also takes the
 * base's dilation (HF omits it, so dilated convs produce mismatched shapes there); merging a
 * grouped conv (`groups > 1`) is refused, as in HF.
 */
abstract class LoraConv<B extends Conv1d | Conv2d> extends LoraLayer {
  readonly adapterContainers = ['lora_A', 'lora_B', 'lora_dropout', 'lora_magnitude_vector'] as const;

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing);
    for (const c of this.adapterContainers) this.registerModule(c, new AdapterModuleDict());
  }

  get conv(): B {
    return this.base as B;
  }

  /** `lora_A`: the base's kernel geometry, `in -> r`, no bias. */
  protected abstract makeA(r: number): B;
  /** `lora_B`: 1x1, `r -> out`, with the base's groups. */
  protected abstract makeB(r: number, bias: boolean): B;

  protected createAdapter(name: string, s: LoraLayerSettings): void {
    const a = this.makeA(s.r);
    const b = this.makeB(s.r, s.loraBias);
    if (s.initLoraWeights === 'gaussian') {
      const g = normal(a.weight.shape, 1 / s.r);
      a.weight.assign(g);
      g.dispose();
    }
    // true / 'gaussian': A keeps its kaiming-uniform init and B starts at zero (HF); false keeps
    // both default conv inits.
    if (s.initLoraWeights !== false) {
      zeroInto(b.weight);
      if (b.bias) zeroInto(b.bias);
    }
    this.dict('lora_A').set(name, a);
    this.dict('lora_B').set(name, b);
    this.dict('lora_dropout').set(name, new Dropout(s.loraDropout));
  }

  protected loraPath(name: string, x: tf.Tensor): tf.Tensor {
    return this.dict<Conv1d | Conv2d>('lora_B')
      .get(name)
      .forward(this.dict<Conv1d | Conv2d>('lora_A').get(name).forward(x));
  }

  private checkMergeable(): void {
    if (this.conv.groups > 1) {
      throw new Error(
        `${this.typeName}: merging (and weighted combination) is not supported for convolutions with groups > 1 (groups=${this.conv.groups}), as in HF PEFT`,
      );
    }
  }

  loraFactors(name: string): LoraFactors {
    this.checkMergeable();
    const r = this.rank(name);
    const a = this.dict<Conv1d | Conv2d>('lora_A').get(name).weight.value;
    const b = this.dict<Conv1d | Conv2d>('lora_B').get(name).weight.value;
    return { a: a.reshape([-1, r]) as tf.Tensor2D, b: b.reshape([r, -1]) as tf.Tensor2D };
  }

  assignLoraFactors(name: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    this.checkMergeable();
    const pa = this.dict<Conv1d | Conv2d>('lora_A').get(name).weight;
    const pb = this.dict<Conv1d | Conv2d>('lora_B').get(name).weight;
    const ra = a.reshape(pa.shape);
    const rb = b.reshape(pb.shape);
    try {
      pa.assign(ra);
      pb.assign(rb);
    } finally {
      ra.dispose();
      rb.dispose();
    }
  }

  protected override loraBBias(name: string): Parameter | undefined {
    return this.dict<Conv1d | Conv2d>('lora_B').get(name).bias;
  }
}

/** LoRA on a `Conv2d` (NHWC). DoRA's magnitude has HF's file shape `[1, out, 1, 1]`. */
export class LoraConv2d extends LoraConv<Conv2d> {
  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Conv2d)) throw new Error(`LoraConv2d wraps a Conv2d, got ${base.typeName}`);
    super(base, routing);
  }
  protected makeA(r: number): Conv2d {
    const { inChannels, kernelSize, stride, padding, dilation } = this.conv;
    return new Conv2d(inChannels, r, kernelSize, { stride, padding, dilation, bias: false });
  }
  protected makeB(r: number, bias: boolean): Conv2d {
    return new Conv2d(r, this.conv.outChannels, 1, { groups: this.conv.groups, bias });
  }
  protected override magnitudeShape(out: number): number[] {
    return [1, out, 1, 1];
  }
}

/** LoRA on a `Conv1d` (`[B, L, C]`). DoRA's magnitude has HF's file shape `[1, out, 1]`. */
export class LoraConv1d extends LoraConv<Conv1d> {
  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Conv1d)) throw new Error(`LoraConv1d wraps a Conv1d, got ${base.typeName}`);
    super(base, routing);
  }
  protected makeA(r: number): Conv1d {
    const { inChannels, kernelSize, stride, padding, dilation } = this.conv;
    return new Conv1d(inChannels, r, kernelSize, { stride, padding, dilation, bias: false });
  }
  protected makeB(r: number, bias: boolean): Conv1d {
    return new Conv1d(r, this.conv.outChannels, 1, { groups: this.conv.groups, bias });
  }
  protected override magnitudeShape(out: number): number[] {
    return [1, out, 1];
  }
}
