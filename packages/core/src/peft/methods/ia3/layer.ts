import * as tf from '@tensorflow/tfjs';
import { type AnyModule, normal } from '../../../nn/index.js';
import { AdapterLayer, AdapterParameterDict, type AdapterRouting } from '../../adapter-layer.js';
import { checkSafeMerge } from '../../safe-merge.js';
import type { Ia3LayerSettings } from './config.js';
import { type Ia3Base, ia3VectorShape, ia3WeightFactor, isIa3Base } from './scaling.js';

/**
 * Below this magnitude an `ia3_l` entry is treated as zero for unmerging: dividing the merged
 * weight by it cannot recover the original (HF adds 1e-8 and returns garbage there).
 */
const UNMERGE_EPS = 1e-6;

/**
 * (IA)³ on a `Linear` or `Conv2d`: a learned vector rescales the base output per unit
 * (`y = base(x) * l`) or, for feed-forward targets, the input (`y = base(x * l)`). Several
 * active adapters multiply. The vectors live in the `ia3_l` container (`ia3_l.<adapter>`), so the
 * file key is `<path>.ia3_l` with HF's shape (`[out, 1]` or `[1, in]`; Conv2d `[1, c, 1, 1]`).
 *
 * Whether an adapter rescales input or output is kept per adapter, so two adapters on one layer
 * may differ (HF fixes it per layer from the first adapter's config).
 *
 * Merging multiplies the weight (and, for output scaling, the bias) by the vector; unmerging
 * divides. When a vector has entries below 1e-6 in magnitude, division cannot restore the
 * weight, so merge keeps a copy of the weight and bias and unmerge restores that copy instead.
 */
export class Ia3Layer extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['ia3_l'] as const;
  private readonly feedforward = new Map<string, boolean>();
  private readonly unmergeCopies = new Map<string, { weight: tf.Tensor; bias: tf.Tensor | undefined }>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!isIa3Base(base)) throw new Error(`Ia3Layer wraps a Linear or Conv2d, got ${base.typeName}`);
    super(base, routing);
    this.registerModule('ia3_l', new AdapterParameterDict());
  }

  private get target(): Ia3Base {
    return this.base as Ia3Base;
  }

  private get vectors(): AdapterParameterDict {
    return this.child<AdapterParameterDict>('ia3_l');
  }

  /** Whether adapter `name` rescales this layer's input (feed-forward) rather than its output. */
  isFeedforward(name: string): boolean {
    const ff = this.feedforward.get(name);
    if (ff === undefined) throw new Error(`Ia3Layer: no adapter '${name}'`);
    return ff;
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as Ia3LayerSettings;
    const shape = ia3VectorShape(this.target, s.isFeedforward);
    this.vectors.init(name, () => (s.initIa3Weights ? tf.ones(shape) : normal(shape, 1)));
    this.feedforward.set(name, s.isFeedforward);
  }

  protected override onDeleteAdapter(name: string): void {
    this.feedforward.delete(name);
    const copy = this.unmergeCopies.get(name);
    if (copy) tf.dispose([copy.weight, ...(copy.bias ? [copy.bias] : [])]);
    this.unmergeCopies.delete(name);
  }

  /** The vector of adapter `name`, flattened to one entry per scaled unit. */
  private flat(name: string): tf.Tensor1D {
    return tf.reshape(this.vectors.get(name).value, [-1]);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const batch = x.shape[0] ?? 1;
    const masks = this.routedMasks(batch);
    let inScale: tf.Tensor | undefined;
    let outScale: tf.Tensor | undefined;
    if (masks) {
      // Per-example routing: each row's scale is its adapter's vector, or ones for `__base__`
      // rows: 1 + sum_n mask_n * (l_n - 1), shaped [B, 1, ..., C] to broadcast over the row.
      for (const [name, mask] of masks) {
        const term = tf.mul(tf.reshape(mask, [batch, 1]), tf.sub(tf.reshape(this.flat(name), [1, -1]), 1));
        if (this.isFeedforward(name)) inScale = inScale ? tf.add(inScale, term) : term;
        else outScale = outScale ? tf.add(outScale, term) : term;
      }
      const perRow = (t: tf.Tensor | undefined, rank: number) =>
        t && tf.reshape(tf.add(t, 1), [batch, ...new Array(rank - 2).fill(1), t.shape[1] as number]);
      const xin = inScale ? tf.mul(x, perRow(inScale, x.rank) as tf.Tensor) : x;
      const y = this.target.forward(xin);
      return outScale ? tf.mul(y, perRow(outScale, y.rank) as tf.Tensor) : y;
    }
    for (const name of this.adaptersForCall()) {
      const l = this.flat(name);
      if (this.isFeedforward(name)) inScale = inScale ? tf.mul(inScale, l) : l;
      else outScale = outScale ? tf.mul(outScale, l) : l;
    }
    // The vector broadcasts over the last axis: features for Linear, channels for NHWC Conv2d.
    const y = this.target.forward(inScale ? tf.mul(x, inScale) : x);
    return outScale ? tf.mul(y, outScale) : y;
  }

  protected override mergeOne(name: string, sign: 1 | -1, safe: boolean): void {
    const base = this.target;
    const ff = this.isFeedforward(name);
    const scalesBias = !ff && base.bias !== undefined;
    if (sign === -1) {
      const copy = this.unmergeCopies.get(name);
      if (copy) {
        base.weight.assign(copy.weight);
        if (copy.bias && base.bias) base.bias.assign(copy.bias);
        tf.dispose([copy.weight, ...(copy.bias ? [copy.bias] : [])]);
        this.unmergeCopies.delete(name);
        return;
      }
    }
    const { weight, bias } = tf.tidy(() => {
      const l = this.flat(name);
      const factor = ia3WeightFactor(base, l, ff);
      const op = sign === 1 ? tf.mul : tf.div;
      return {
        weight: op(base.weight.value, factor),
        bias: scalesBias && base.bias ? op(base.bias.value, l) : undefined,
      };
    });
    try {
      if (safe) checkSafeMerge(name, base.typeName, [weight, bias]);
      if (sign === 1 && this.hasNearZero(name)) {
        this.unmergeCopies.set(name, {
          weight: base.weight.value.clone(),
          bias: base.bias?.value.clone(),
        });
      }
      base.weight.assign(weight);
      if (bias && base.bias) base.bias.assign(bias);
    } finally {
      tf.dispose([weight, ...(bias ? [bias] : [])]);
    }
  }

  private hasNearZero(name: string): boolean {
    return tf.tidy(() => (tf.min(tf.abs(this.flat(name))).dataSync()[0] as number) < UNMERGE_EPS);
  }
}
