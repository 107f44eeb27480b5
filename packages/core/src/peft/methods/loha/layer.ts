import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Conv2d } from '../../../nn/index.js';
import type { AdapterRouting } from '../../adapter-layer.js';
import type { LohaLayerSettings } from './config.js';
import { cpRebuild, LycorisLayer } from './lycoris-layer.js';

const LOHA_CONTAINERS = ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b', 'hada_t1', 'hada_t2'] as const;

/**
 * LoHa (FedPara's low-rank Hadamard product) on a Linear or Conv2d:
 * `ΔW = (w1_a @ w1_b) ⊙ (w2_a @ w2_b) · alpha / r`, in PyTorch layout `[out, in·kh·kw]` reshaped
 * to the weight. Factors keep HF's names and shapes (`hada_w1_a [out, r]`, `hada_w1_b [r, in]`,
 * ...), so `adapter_model.safetensors` matches HF key for key. With `useEffectiveConv2d` on a
 * kernel larger than 1x1, each product becomes a CP rebuild with a core `hada_t1/2 [r, r, kh, kw]`
 * and `hada_w1_a [r, out]`, `hada_w1_b [r, in]`.
 *
 * HF's default init zeroes `hada_w2_b` only: ΔW starts at exactly 0 while every other factor is
 * random, so gradients reach both Hadamard terms from the first step.
 */
export class LohaLayer extends LycorisLayer {
  readonly adapterContainers = LOHA_CONTAINERS;

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing, 'LoHa', LOHA_CONTAINERS);
    const b = this.layer;
    if (b instanceof Conv2d && b.groups !== 1) {
      // HF reshapes an [out, in·kh·kw] update onto the weight, which only fits groups = 1.
      throw new Error(`LoHa wraps a Conv2d only with groups = 1, got groups = ${b.groups}`);
    }
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as LohaLayerSettings;
    if (!Number.isInteger(s.r) || s.r <= 0) throw new Error(`LoHa: r must be a positive integer, got ${s.r}`);
    const shape = this.torchWeightShape;
    const out = shape[0] as number;
    const r = s.r;
    const rest = shape.slice(1);
    const isConv = this.layer instanceof Conv2d;
    const [kh, kw] = isConv ? (rest.slice(1) as [number, number]) : [1, 1];
    // HF turns the effective (CP) form off for 1x1 kernels, where it saves nothing.
    const effective = isConv && s.useEffectiveConv2d && !(kh === 1 && kw === 1);
    const random = s.initWeights ? 'zeros' : 'kaiming';
    if (effective) {
      const inC = rest[0] as number;
      this.createFactor('hada_t1', name, [r, r, kh, kw], 'kaiming');
      this.createFactor('hada_w1_a', name, [r, out], 'kaiming');
      this.createFactor('hada_w1_b', name, [r, inC], 'kaiming');
      this.createFactor('hada_t2', name, [r, r, kh, kw], 'kaiming');
      this.createFactor('hada_w2_a', name, [r, out], 'kaiming');
      this.createFactor('hada_w2_b', name, [r, inC], random);
    } else {
      const inFlat = rest.reduce((a, d) => a * d, 1);
      this.createFactor('hada_w1_a', name, [out, r], 'kaiming');
      this.createFactor('hada_w1_b', name, [r, inFlat], 'kaiming');
      this.createFactor('hada_w2_a', name, [out, r], 'kaiming');
      this.createFactor('hada_w2_b', name, [r, inFlat], random);
    }
    this.setState(name, {
      r,
      alpha: s.alpha,
      rankDropout: s.rankDropout,
      moduleDropout: s.moduleDropout,
      rankDropoutScale: true,
    });
  }

  protected torchDelta(name: string): tf.Tensor {
    const f = (c: (typeof LOHA_CONTAINERS)[number]) => this.factor(c, name) as tf.Tensor;
    const t1 = this.factor('hada_t1', name);
    const t2 = this.factor('hada_t2', name);
    const term1 = t1
      ? cpRebuild(t1, f('hada_w1_a'), f('hada_w1_b'))
      : tf.matMul(f('hada_w1_a'), f('hada_w1_b'));
    const term2 = t2
      ? cpRebuild(t2, f('hada_w2_a'), f('hada_w2_b'))
      : tf.matMul(f('hada_w2_a'), f('hada_w2_b'));
    return tf.mul(tf.mul(term1, term2), this.stateOf(name).scaling);
  }
}
