import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Dropout, Linear, normal, type Parameter } from '../../../nn/index.js';
import {
  AdapterLayer,
  AdapterModuleDict,
  AdapterParameterDict,
  type AdapterRouting,
} from '../../adapter-layer.js';
import type { VeraLayerSettings } from './config.js';
import { type VeraPair, VeraProjectionRefs } from './projections.js';

/**
 * VeRA on a `Linear`: `y = base(x) + λ_b ⊙ (B_s (λ_d ⊙ (A_s dropout(x))))`, where `A`, `B` are
 * the adapter's frozen random projections shared by all its layers, sliced to this layer
 * (`A_s = A[:, :in]`, `B_s = B[:out, :]` in HF's terms), and `vera_lambda_d [r]`,
 * `vera_lambda_b [out]` are the only trained parameters. Children follow HF
 * (`vera_lambda_b.<adapter>`, `vera_lambda_d.<adapter>`, `vera_A.<adapter>`, ...).
 */
export class VeraLinear extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['vera_lambda_b', 'vera_lambda_d', 'vera_dropout'] as const;
  private readonly ranks = new Map<string, number>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear)) throw new Error(`VeraLinear wraps a Linear, got ${base.typeName}`);
    super(base, routing);
    this.registerModule('vera_lambda_b', new AdapterParameterDict());
    this.registerModule('vera_lambda_d', new AdapterParameterDict());
    this.registerModule('vera_dropout', new AdapterModuleDict());
    // Not adapter containers: they reference the adapter's shared buffers, saved once per model.
    this.registerModule('vera_A', new VeraProjectionRefs());
    this.registerModule('vera_B', new VeraProjectionRefs());
  }

  get linear(): Linear {
    return this.base as Linear;
  }

  private lambdas(c: 'vera_lambda_b' | 'vera_lambda_d'): AdapterParameterDict {
    return this.child<AdapterParameterDict>(c);
  }

  private refs(c: 'vera_A' | 'vera_B'): VeraProjectionRefs {
    return this.child<VeraProjectionRefs>(c);
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as VeraLayerSettings;
    if (!Number.isInteger(s.r) || s.r <= 0) throw new Error(`VeRA: r must be a positive integer, got ${s.r}`);
    const out = this.linear.outFeatures;
    // HF: lambda_b = 1, lambda_d ~ N(0, 1); the default init then sets lambda_b = 0 (ΔW = 0)
    // and lambda_d = d_initial.
    this.lambdas('vera_lambda_b').init(name, () => (s.initWeights ? tf.zeros([out]) : tf.ones([out])));
    this.lambdas('vera_lambda_d').init(name, () =>
      s.initWeights ? tf.fill([s.r], s.dInitial) : normal([s.r]),
    );
    this.child<AdapterModuleDict>('vera_dropout').set(name, new Dropout(s.veraDropout));
    this.ranks.set(name, s.r);
  }

  /** Attaches adapter `name`'s shared projections; they must cover this layer's shape and rank. */
  attachProjections(name: string, pair: VeraPair): void {
    const r = this.ranks.get(name);
    if (r === undefined) throw new Error(`VeRA: no adapter '${name}' on this layer`);
    const [inMax, rA] = pair.A.shape as [number, number];
    const [rB, outMax] = pair.B.shape as [number, number];
    const { inFeatures, outFeatures } = this.linear;
    if (rA !== r || rB !== r || inMax < inFeatures || outMax < outFeatures) {
      throw new Error(
        `VeRA: projections vera_A [${rA}, ${inMax}] / vera_B [${outMax}, ${rB}] (PyTorch layout) do not cover ` +
          `this layer (in ${inFeatures}, out ${outFeatures}, r ${r})`,
      );
    }
    this.refs('vera_A').attach(name, pair.A);
    this.refs('vera_B').attach(name, pair.B);
  }

  /** Adapter `name`'s shared projections as attached to this layer. */
  projections(name: string): VeraPair {
    return { A: this.refs('vera_A').get(name), B: this.refs('vera_B').get(name) };
  }

  /**
   * Lambdas plus the shared projection buffers: `unload()` disposes what this returns, and
   * buffers are skipped when setting trainability.
   */
  override adapterParameters(name: string): Parameter[] {
    const out = super.adapterParameters(name);
    if (this.refs('vera_A').has(name)) out.push(this.refs('vera_A').get(name), this.refs('vera_B').get(name));
    return out;
  }

  protected override onDeleteAdapter(name: string): void {
    // The method disposes the shared buffers once no layer references them.
    this.refs('vera_A').detach(name);
    this.refs('vera_B').detach(name);
    this.ranks.delete(name);
  }

  /** `A_s`, `B_s` in memory layout: `[in, r]` and `[r, out]`. */
  private sliced(name: string): [tf.Tensor, tf.Tensor] {
    const { A, B } = this.projections(name);
    const { inFeatures, outFeatures } = this.linear;
    const a = A.shape[0] === inFeatures ? A.value : tf.slice(A.value, [0, 0], [inFeatures, -1]);
    const b = B.shape[1] === outFeatures ? B.value : tf.slice(B.value, [0, 0], [-1, outFeatures]);
    return [a, b];
  }

  override deltaWeight(name: string): tf.Tensor | undefined {
    if (!this.hasAdapter(name)) return undefined;
    return tf.tidy(() => {
      const [a, b] = this.sliced(name);
      const ld = this.lambdas('vera_lambda_d').get(name).value;
      const lb = this.lambdas('vera_lambda_b').get(name).value;
      // Memory layout of HF's (λ_b ⊙ B_s) @ (λ_d ⊙ A_s): (A_s λ_d) @ (B_s λ_b), both scaled on the last axis.
      return tf.matMul(tf.mul(a, ld), tf.mul(b, lb));
    });
  }

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

  private adapterOutput(name: string, x: tf.Tensor): tf.Tensor {
    const [a, b] = this.sliced(name);
    const xd = this.child<AdapterModuleDict<Dropout>>('vera_dropout').get(name).forward(x);
    const flat = xd.rank === 2 ? xd : tf.reshape(xd, [-1, this.linear.inFeatures]);
    const h = tf.mul(tf.matMul(flat, a), this.lambdas('vera_lambda_d').get(name).value);
    const y = tf.mul(tf.matMul(h, b), this.lambdas('vera_lambda_b').get(name).value);
    return xd.rank === 2 ? y : tf.reshape(y, [...xd.shape.slice(0, -1), this.linear.outFeatures]);
  }
}
