import * as tf from '@tensorflow/tfjs';
import {
  type AnyModule,
  Dropout,
  Linear,
  Module,
  normal,
  type Parameter,
  stopGradient,
} from '../../../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';
import type { LoraLayerSettings } from './config.js';

interface LoraState {
  r: number;
  scaling: number;
  useDora: boolean;
}

/**
 * LoRA on a `Linear`: `y = base(x) + B(A(dropout(x))) * scaling` with `A: in -> r`,
 * `B: r -> out`, `scaling = alpha / r` (or `alpha / sqrt(r)` with rsLoRA). Children follow HF
 * PEFT (`lora_A.<adapter>`, `lora_B.<adapter>`, `lora_dropout.<adapter>`,
 * `lora_magnitude_vector.<adapter>` for DoRA), so file keys match.
 *
 * DoRA (weight-decomposed LoRA): the adapted weight `W + s*BA` is renormalised per output unit
 * and rescaled by a trained magnitude vector `m`, initialised to the column norms of `W`.
 */
export class LoraLinear extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['lora_A', 'lora_B', 'lora_dropout', 'lora_magnitude_vector'] as const;
  private readonly state = new Map<string, LoraState>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear)) throw new Error(`LoraLinear wraps a Linear, got ${base.typeName}`);
    super(base, routing);
    for (const c of this.adapterContainers) this.registerModule(c, new AdapterModuleDict());
  }

  get linear(): Linear {
    return this.base as Linear;
  }

  private dict<M extends AnyModule>(name: (typeof this.adapterContainers)[number]): AdapterModuleDict<M> {
    return this.child<AdapterModuleDict<M>>(name);
  }

  scaling(name: string): number {
    const s = this.state.get(name);
    if (!s) throw new Error(`LoraLinear: no adapter '${name}'`);
    return s.scaling;
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as LoraLayerSettings;
    if (!Number.isInteger(s.r) || s.r <= 0) throw new Error(`LoRA: r must be a positive integer, got ${s.r}`);
    const { inFeatures, outFeatures } = this.linear;
    const a = new Linear(inFeatures, s.r, { bias: false });
    const b = new Linear(s.r, outFeatures, { bias: false });
    if (s.initLoraWeights === 'pissa') {
      throw new Error("LoRA: initLoraWeights 'pissa' is not supported on this layer yet");
    }
    if (s.initLoraWeights === true || s.initLoraWeights === 'gaussian') {
      // HF: A keeps its kaiming-uniform init (or N(0, 1/r) for 'gaussian'), B starts at zero, so
      // a fresh adapter leaves the model's output exactly unchanged.
      if (s.initLoraWeights === 'gaussian')
        a.weight.assign(tf.tidy(() => normal([inFeatures, s.r], 1 / s.r)));
      b.weight.assign(tf.tidy(() => tf.zeros([s.r, outFeatures])));
    }
    this.dict('lora_A').set(name, a);
    this.dict('lora_B').set(name, b);
    this.dict('lora_dropout').set(name, new Dropout(s.loraDropout));
    const scaling = s.useRslora ? s.loraAlpha / Math.sqrt(s.r) : s.loraAlpha / s.r;
    this.state.set(name, { r: s.r, scaling, useDora: s.useDora });
    if (s.useDora) {
      this.dict('lora_magnitude_vector').set(name, new DoraMagnitude(this.columnNorms(name)));
    }
  }

  protected override onDeleteAdapter(name: string): void {
    this.state.delete(name);
  }

  /** `||W + s*BA||` per output unit (norm over the input axis of the memory-layout weight). */
  private columnNorms(name: string): tf.Tensor1D {
    return tf.tidy(() => {
      const w = tf.add(this.linear.weight.value, this.loraProduct(name));
      return tf.norm(w, 'euclidean', 0) as tf.Tensor1D;
    });
  }

  /** `A @ B * scaling` in memory layout `[in, out]`. */
  private loraProduct(name: string): tf.Tensor {
    const a = this.dict<Linear>('lora_A').get(name).weight.value;
    const b = this.dict<Linear>('lora_B').get(name).weight.value;
    return tf.mul(tf.matMul(a, b), this.scaling(name));
  }

  override deltaWeight(name: string): tf.Tensor | undefined {
    if (!this.hasAdapter(name)) return undefined;
    if (!this.state.get(name)?.useDora) return this.loraProduct(name);
    // DoRA: merged weight = (m / ||W + sBA||) * (W + sBA); the delta is that minus W.
    return tf.tidy(() => {
      const w = this.linear.weight.value;
      const adapted = tf.add(w, this.loraProduct(name));
      const scale = tf.div(
        this.dict<DoraMagnitude>('lora_magnitude_vector').get(name).weight.value,
        tf.norm(adapted, 'euclidean', 0),
      );
      return tf.sub(tf.mul(adapted, scale), w);
    });
  }

  protected override mergeOne(name: string, sign: 1 | -1, safe: boolean): void {
    if (sign === -1 && this.state.get(name)?.useDora) {
      // DoRA is not additive: W_merged = scale * (W + sBA), so W = W_merged / scale - sBA, with
      // scale computed from the weight before merging (kept when merging).
      const saved = this.doraMergeScales.get(name);
      if (!saved) throw new Error(`LoraLinear: no saved DoRA scale to unmerge adapter '${name}'`);
      const next = tf.tidy(() => tf.sub(tf.div(this.linear.weight.value, saved), this.loraProduct(name)));
      this.linear.weight.assign(next);
      next.dispose();
      saved.dispose();
      this.doraMergeScales.delete(name);
      return;
    }
    if (sign === 1 && this.state.get(name)?.useDora) {
      const scale = tf.tidy(() =>
        tf.div(
          this.dict<DoraMagnitude>('lora_magnitude_vector').get(name).weight.value,
          tf.norm(tf.add(this.linear.weight.value, this.loraProduct(name)), 'euclidean', 0),
        ),
      );
      this.doraMergeScales.set(name, scale);
    }
    super.mergeOne(name, sign, safe);
  }

  private readonly doraMergeScales = new Map<string, tf.Tensor>();

  forward(x: tf.Tensor): tf.Tensor {
    let result = this.linear.forward(x);
    const masks = this.routedMasks(x.shape[0] ?? 1);
    if (masks) {
      for (const [name, mask] of masks) {
        const shape = [mask.shape[0], ...new Array(x.rank - 1).fill(1)];
        result = tf.add(result, tf.mul(this.adapterOutput(name, x), tf.reshape(mask, shape)));
      }
      return result;
    }
    for (const name of this.adaptersForCall()) result = tf.add(result, this.adapterOutput(name, x));
    return result;
  }

  /** The adapter's additive contribution to the base output. */
  private adapterOutput(name: string, x: tf.Tensor): tf.Tensor {
    const st = this.state.get(name) as LoraState;
    const xd = this.dict<Dropout>('lora_dropout').get(name).forward(x);
    const lora = this.dict<Linear>('lora_B')
      .get(name)
      .forward(this.dict<Linear>('lora_A').get(name).forward(xd));
    if (!st.useDora) return tf.mul(lora, st.scaling);
    const w = this.linear.weight.value;
    const norm = stopGradient(tf.norm(tf.add(w, this.loraProduct(name)), 'euclidean', 0));
    const magScale = tf.div(this.dict<DoraMagnitude>('lora_magnitude_vector').get(name).weight.value, norm);
    const flat = xd.rank === 2 ? xd : tf.reshape(xd, [-1, this.linear.inFeatures]);
    let baseNoBias = tf.matMul(flat, w);
    if (xd.rank !== 2)
      baseNoBias = tf.reshape(baseNoBias, [...xd.shape.slice(0, -1), this.linear.outFeatures]);
    return tf.add(tf.mul(tf.sub(magScale, 1), baseNoBias), tf.mul(tf.mul(magScale, lora), st.scaling));
  }
}

/** DoRA's trained magnitude vector, saved as `lora_magnitude_vector.weight` like HF PEFT. */
export class DoraMagnitude extends Module<[], never> {
  readonly weight: Parameter;
  constructor(initial: tf.Tensor1D) {
    super();
    this.weight = this.registerParameter('weight', initial);
    initial.dispose();
  }
  forward(): never {
    throw new Error('DoraMagnitude holds a parameter and has no forward');
  }
}
