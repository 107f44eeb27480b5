import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Dropout, Linear, normal, type Parameter } from '../../../nn/index.js';
import { AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';
import { type LoraLayerSettings, pissaIterations } from './config.js';
import { type LoraFactors, LoraLayer } from './layer-common.js';
import { pissaInit } from './pissa.js';

/**
 * LoRA on a `Linear`: `y = base(x) + B(A(dropout(x))) * scaling` with `A: in -> r`,
 * `B: r -> out`, `scaling = alpha / r` (or `alpha / sqrt(r)` with rsLoRA). Children follow HF
 * PEFT (`lora_A.<adapter>`, `lora_B.<adapter>`, `lora_dropout.<adapter>`,
 * `lora_magnitude_vector.<adapter>` for DoRA), so file keys match.
 *
 * DoRA (weight-decomposed LoRA): the adapted weight `W + s*BA` is renormalised per output unit
 * and rescaled by a trained magnitude vector `m`, initialised to the column norms of `W`.
 * PiSSA (`initLoraWeights: 'pissa' | 'pissa_niter_<n>'`) is supported here only, as in HF.
 */
export class LoraLinear extends LoraLayer {
  readonly adapterContainers = ['lora_A', 'lora_B', 'lora_dropout', 'lora_magnitude_vector'] as const;

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear)) throw new Error(`LoraLinear wraps a Linear, got ${base.typeName}`);
    super(base, routing);
    for (const c of this.adapterContainers) this.registerModule(c, new AdapterModuleDict());
  }

  get linear(): Linear {
    return this.base as Linear;
  }

  protected createAdapter(name: string, s: LoraLayerSettings, scaling: number): void {
    const { inFeatures, outFeatures } = this.linear;
    const a = new Linear(inFeatures, s.r, { bias: false });
    const b = new Linear(s.r, outFeatures, { bias: s.loraBias });
    const pissa = pissaIterations(s.initLoraWeights);
    if (pissa !== undefined) {
      pissaInit({
        weight: this.linear.weight,
        a: a.weight,
        b: b.weight,
        r: s.r,
        scaling,
        iterations: pissa,
        where: `LoraLinear(${inFeatures} -> ${outFeatures})`,
      });
      if (b.bias) zeroInto(b.bias);
    } else if (s.initLoraWeights === true || s.initLoraWeights === 'gaussian') {
      // HF: A keeps its kaiming-uniform init (or N(0, 1/r) for 'gaussian'), B starts at zero, so
      // a fresh adapter leaves the model's output exactly unchanged.
      if (s.initLoraWeights === 'gaussian') {
        const g = normal([inFeatures, s.r], 1 / s.r);
        a.weight.assign(g);
        g.dispose();
      }
      zeroInto(b.weight);
      if (b.bias) zeroInto(b.bias);
    }
    this.dict('lora_A').set(name, a);
    this.dict('lora_B').set(name, b);
    this.dict('lora_dropout').set(name, new Dropout(s.loraDropout));
  }

  protected loraPath(name: string, x: tf.Tensor): tf.Tensor {
    return this.dict<Linear>('lora_B').get(name).forward(this.dict<Linear>('lora_A').get(name).forward(x));
  }

  loraFactors(name: string): LoraFactors {
    return {
      a: this.dict<Linear>('lora_A').get(name).weight.value.clone() as tf.Tensor2D,
      b: this.dict<Linear>('lora_B').get(name).weight.value.clone() as tf.Tensor2D,
    };
  }

  protected override factorViews(name: string): LoraFactors {
    return {
      a: this.dict<Linear>('lora_A').get(name).weight.value as tf.Tensor2D,
      b: this.dict<Linear>('lora_B').get(name).weight.value as tf.Tensor2D,
    };
  }

  protected override stackedLowRankInput(x: tf.Tensor, a: tf.Tensor2D): tf.Tensor {
    const { inFeatures } = this.linear;
    const y = tf.matMul(x.rank === 2 ? x : tf.reshape(x, [-1, inFeatures]), a);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), a.shape[1]]);
  }

  assignLoraFactors(name: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    this.dict<Linear>('lora_A').get(name).weight.assign(a);
    this.dict<Linear>('lora_B').get(name).weight.assign(b);
  }

  protected override loraBBias(name: string): Parameter | undefined {
    return this.dict<Linear>('lora_B').get(name).bias;
  }
}

/** Sets a parameter to zeros. */
export function zeroInto(p: Parameter): void {
  const z = tf.zeros([...p.shape]);
  p.assign(z);
  z.dispose();
}
