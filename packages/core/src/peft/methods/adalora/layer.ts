import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Dropout, Linear, normal, type Parameter } from '../../../nn/index.js';
import {
  AdapterLayer,
  AdapterModuleDict,
  AdapterParameterDict,
  type AdapterRouting,
} from '../../adapter-layer.js';
import type { AdaloraLayerSettings } from './config.js';

/** One adapter's SVD factors on a layer, in memory layout. */
export interface SvdFactors {
  /** `lora_A`: memory `[in, r]` (file `[r, in]`), the right singular vectors. */
  a: Parameter;
  /** `lora_B`: memory `[r, out]` (file `[out, r]`), the left singular vectors. */
  b: Parameter;
  /** `lora_E`: `[r, 1]` as in the file, the singular values. */
  e: Parameter;
}

/**
 * AdaLoRA on a `Linear` (HF's `SVDLinear`): `y = base(x) + (dropout(x) A^T diag(E) B^T) *
 * scaling / (ranknum + 1e-5)`, the update kept in SVD form `B diag(E) A` so that rank
 * allocation can switch singular triplets off by zeroing entries of `E`. Children follow HF
 * (`lora_A.<adapter>`, `lora_B.<adapter>`, `lora_E.<adapter>` are bare parameters, so file keys
 * end in `.lora_A`, not `.lora_A.weight`). HF's `ranknum` (the initial rank, a non-trainable
 * parameter it never saves) is kept as a number per adapter.
 */
export class SvdLinear extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['lora_A', 'lora_B', 'lora_E', 'lora_dropout'] as const;
  private readonly settings = new Map<string, AdaloraLayerSettings>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear)) throw new Error(`SvdLinear wraps a Linear, got ${base.typeName}`);
    super(base, routing);
    this.registerModule('lora_A', new AdapterParameterDict());
    this.registerModule('lora_B', new AdapterParameterDict());
    this.registerModule('lora_E', new AdapterParameterDict());
    this.registerModule('lora_dropout', new AdapterModuleDict());
  }

  get linear(): Linear {
    return this.base as Linear;
  }

  private params(c: 'lora_A' | 'lora_B' | 'lora_E'): AdapterParameterDict {
    return this.child<AdapterParameterDict>(c);
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = { ...(config as unknown as AdaloraLayerSettings) };
    if (!Number.isInteger(s.r) || s.r < 0)
      throw new Error(`ADALORA: r must be an integer >= 0 (0 is allowed, as in HF), got ${s.r}`);
    const { inFeatures, outFeatures } = this.linear;
    // HF: E = 0 (a fresh adapter leaves the output unchanged), A and B ~ N(0, 0.02^2); without
    // init all three keep torch.randn's N(0, 1).
    const std = s.initLoraWeights ? 0.02 : 1;
    // Memory [in, r] / [r, out] for plain x @ A @ B; the files hold PyTorch's [r, in] / [out, r].
    this.params('lora_A').init(name, () => normal([inFeatures, s.r], std), true, 'linear');
    this.params('lora_B').init(name, () => normal([s.r, outFeatures], std), true, 'linear');
    this.params('lora_E').init(name, () => (s.initLoraWeights ? tf.zeros([s.r, 1]) : normal([s.r, 1])), true);
    this.settings.set(name, s);
    this.child<AdapterModuleDict>('lora_dropout').set(name, new Dropout(s.loraDropout));
  }

  factors(name: string): SvdFactors {
    return {
      a: this.params('lora_A').get(name),
      b: this.params('lora_B').get(name),
      e: this.params('lora_E').get(name),
    };
  }

  /** Triplets adapter `name` holds on this layer. */
  rank(name: string): number {
    return this.adapterSettings(name).r;
  }

  /** HF's `scaling / (ranknum + 1e-5)`. */
  scale(name: string): number {
    const s = this.adapterSettings(name);
    const scaling = s.loraAlpha > 0 ? s.loraAlpha : s.ranknum;
    return scaling / (s.ranknum + 1e-5);
  }

  private adapterSettings(name: string): AdaloraLayerSettings {
    const s = this.settings.get(name);
    if (!s) throw new Error(`ADALORA: no adapter '${name}' on this layer`);
    return s;
  }

  protected override onDeleteAdapter(name: string): void {
    this.settings.delete(name);
  }

  /** `A^T diag(E) B^T` scaled, in the base weight's memory layout `[in, out]`. */
  override deltaWeight(name: string): tf.Tensor | undefined {
    if (!this.hasAdapter(name)) return undefined;
    const { inFeatures, outFeatures } = this.linear;
    if (this.rank(name) === 0) return tf.zeros([inFeatures, outFeatures]);
    return tf.tidy(() => {
      const { a, b, e } = this.factors(name);
      return tf.mul(tf.matMul(tf.mul(a.value, tf.reshape(e.value, [1, -1])), b.value), this.scale(name));
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    let result = this.linear.forward(x);
    const masks = this.routedMasks(x.shape[0] ?? 1);
    if (masks) {
      for (const [name, mask] of masks) {
        if (this.rank(name) === 0) continue;
        const shape = [mask.shape[0], ...new Array(x.rank - 1).fill(1)];
        result = tf.add(result, tf.mul(this.adapterOutput(name, x), tf.reshape(mask, shape)));
      }
      return result;
    }
    for (const name of this.adaptersForCall()) {
      if (this.rank(name) > 0) result = tf.add(result, this.adapterOutput(name, x));
    }
    return result;
  }

  private adapterOutput(name: string, x: tf.Tensor): tf.Tensor {
    const { a, b, e } = this.factors(name);
    const xd = this.child<AdapterModuleDict<Dropout>>('lora_dropout').get(name).forward(x);
    const flat = xd.rank === 2 ? xd : tf.reshape(xd, [-1, this.linear.inFeatures]);
    const h = tf.mul(tf.matMul(flat, a.value), tf.reshape(e.value, [1, -1]));
    const y = tf.mul(tf.matMul(h, b.value), this.scale(name));
    return xd.rank === 2 ? y : tf.reshape(y, [...xd.shape.slice(0, -1), this.linear.outFeatures]);
  }
}
