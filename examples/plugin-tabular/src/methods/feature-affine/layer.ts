import {
  AdapterLayer,
  AdapterParameterDict,
  type AdapterRouting,
  type AnyModule,
  Linear,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** What one layer needs for one adapter. */
export interface FeatureAffineSettings {
  shift: boolean;
}

/**
 * A per-feature affine map in front of a `Linear`: `y = base(x ⊙ s + t)`, with `s` (ones at
 * init) in the `feature_scale` container and `t` (zeros) in `feature_shift`, one entry per input
 * feature, so a fresh adapter is the identity. File keys read `<path>.feature_scale` and
 * `<path>.feature_shift`. For tabular data whose columns drifted in unit or offset between the
 * table a base was trained on and the one at hand, it re-calibrates each column with `2 * in`
 * parameters instead of relearning the projection.
 *
 * Several active adapters compose, the last activated innermost, which is also the order in
 * which merging folds them into the weight (`W <- diag(s) W`, `b <- b + t W`). Unmerging
 * restores a copy of the weight and bias taken before the merge (exact; division by `s` would
 * not be).
 */
export class FeatureAffineLayer extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['feature_scale', 'feature_shift'] as const;
  private readonly beforeMerge = new Map<string, { weight: tf.Tensor; bias: tf.Tensor | undefined }>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear)) throw new Error(`FeatureAffineLayer wraps a Linear, got ${base.typeName}`);
    super(base, routing);
    for (const c of this.adapterContainers) this.registerModule(c, new AdapterParameterDict());
  }

  private get target(): Linear {
    return this.base as Linear;
  }

  private dict(name: (typeof this.adapterContainers)[number]): AdapterParameterDict {
    return this.child<AdapterParameterDict>(name);
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as FeatureAffineSettings;
    const width = this.target.inFeatures;
    this.dict('feature_scale').init(name, () => tf.ones([width]));
    if (s.shift) this.dict('feature_shift').init(name, () => tf.zeros([width]));
  }

  protected override onDeleteAdapter(name: string): void {
    const copy = this.beforeMerge.get(name);
    if (copy) tf.dispose([copy.weight, ...(copy.bias ? [copy.bias] : [])]);
    this.beforeMerge.delete(name);
  }

  /** `x ⊙ s + t` for adapter `name`. */
  private affine(name: string, x: tf.Tensor): tf.Tensor {
    const scaled = tf.mul(x, this.dict('feature_scale').get(name).value);
    const shift = this.dict('feature_shift');
    return shift.has(name) ? tf.add(scaled, shift.get(name).value) : scaled;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const masks = this.routedMasks(x.shape[0] ?? 1);
    if (masks) {
      // Rows are disjoint: each row takes its own adapter's map, `__base__` rows none.
      let out = x;
      for (const [name, mask] of masks) {
        const m = tf.reshape(mask, [-1, 1]);
        out = tf.add(tf.mul(out, tf.sub(1, m)), tf.mul(this.affine(name, x), m));
      }
      return this.target.forward(out);
    }
    let h = x;
    for (const name of [...this.adaptersForCall()].reverse()) h = this.affine(name, h);
    return this.target.forward(h);
  }

  protected override mergeOne(name: string, sign: 1 | -1, safe: boolean): void {
    const base = this.target;
    if (sign === -1) {
      const copy = this.beforeMerge.get(name);
      if (!copy) throw new Error(`FEATURE_AFFINE: adapter '${name}' is not merged`);
      base.weight.assign(copy.weight);
      if (copy.bias && base.bias) base.bias.assign(copy.bias);
      tf.dispose([copy.weight, ...(copy.bias ? [copy.bias] : [])]);
      this.beforeMerge.delete(name);
      return;
    }
    const shift = this.dict('feature_shift');
    const { weight, bias } = tf.tidy(() => {
      // Memory layout [in, out]: row i belongs to input feature i.
      const w = base.weight.value;
      const s = tf.reshape(this.dict('feature_scale').get(name).value, [-1, 1]);
      const t = shift.has(name) ? tf.reshape(shift.get(name).value, [1, -1]) : undefined;
      const b = base.bias?.value ?? tf.zeros([base.outFeatures]);
      return {
        weight: tf.mul(w, s),
        bias: t ? tf.add(b, tf.reshape(tf.matMul(t, w), [-1])) : b.clone(),
      };
    });
    try {
      if (
        safe &&
        !tf.tidy(() => tf.all(tf.isFinite(tf.concat([tf.reshape(weight, [-1]), bias]))).dataSync()[0])
      ) {
        throw new Error(
          `safe merge of FEATURE_AFFINE adapter '${name}' produced NaN/Inf; nothing was changed`,
        );
      }
      if (shift.has(name) && !base.bias) {
        throw new Error(`FEATURE_AFFINE: cannot merge a shift into ${base.typeName} without a bias`);
      }
      this.beforeMerge.set(name, { weight: base.weight.value.clone(), bias: base.bias?.value.clone() });
      base.weight.assign(weight);
      if (base.bias) base.bias.assign(bias);
    } finally {
      tf.dispose([weight, bias]);
    }
  }
}
