import * as tf from '@tensorflow/tfjs';
import {
  type AnyModule,
  Conv2d,
  computeFans,
  convNhwc,
  drawSeed,
  fromTorchLayout,
  kaimingUniform,
  Linear,
  torchShapeOf,
} from '../../../nn/index.js';
import { getRng } from '../../../runtime/index.js';
import { AdapterLayer, AdapterParameterDict, type AdapterRouting } from '../../adapter-layer.js';

/** Base modules a LyCORIS layer wraps. */
export type LycorisBase = Linear | Conv2d;

/** Per-adapter numbers every LyCORIS layer keeps outside its parameter containers. */
export interface LycorisState {
  r: number;
  alpha: number;
  scaling: number;
  rankDropout: number;
  moduleDropout: number;
  /** Rescale the kept rows by 1 / (kept fraction) under rank dropout (LoHa always, LoKr optional). */
  rankDropoutScale: boolean;
}

/**
 * Common machinery of LoHa and LoKr (HF PEFT's `LycorisLayer`): the adapter builds its weight
 * update in PyTorch layout (`[out, in]` or `[out, in, kh, kw]`) from factors stored with HF's
 * shapes, this class converts it to the base weight's memory layout, applies it as
 * `base(x) + x ⊛ ΔW` (matMul for Linear, the base's own conv for Conv2d), and merges it.
 *
 * Building ΔW on every call is what HF does too; it costs one `[in, out]` tensor per layer,
 * which is fine for the layer sizes these methods are used on.
 */
export abstract class LycorisLayer extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  protected readonly state = new Map<string, LycorisState>();

  constructor(
    base: AnyModule,
    routing: AdapterRouting,
    protected readonly method: string,
    containers: readonly string[],
  ) {
    if (!(base instanceof Linear) && !(base instanceof Conv2d)) {
      throw new Error(`${method} wraps a Linear or Conv2d, got ${base.typeName}`);
    }
    super(base, routing);
    for (const c of containers) this.registerModule(c, new AdapterParameterDict());
  }

  get layer(): LycorisBase {
    return this.base as LycorisBase;
  }

  /** The base weight's PyTorch shape: `[out, in]` or `[out, in/groups, kh, kw]`. */
  get torchWeightShape(): number[] {
    const w = this.layer.weight;
    return torchShapeOf(w.shape, w.layout);
  }

  protected params(container: string): AdapterParameterDict {
    return this.child<AdapterParameterDict>(container);
  }

  /** The factor `container.name`, or undefined when this adapter does not use that factor. */
  protected factor(container: string, name: string): tf.Tensor | undefined {
    const dict = this.params(container);
    return dict.has(name) ? dict.get(name).value : undefined;
  }

  /** Creates factor `container.name` with HF's shape, zero or kaiming-uniform (a = sqrt(5)) init. */
  protected createFactor(container: string, name: string, shape: number[], init: 'zeros' | 'kaiming'): void {
    // HF stores factors in PyTorch layout and kaiming-inits them with PyTorch's fan-in rule.
    const make =
      init === 'zeros' ? () => tf.zeros(shape) : () => kaimingUniform(shape, computeFans(shape).fanIn);
    this.params(container).init(name, make);
  }

  protected setState(name: string, s: Omit<LycorisState, 'scaling'>): void {
    this.state.set(name, { ...s, scaling: s.alpha / s.r });
  }

  protected stateOf(name: string): LycorisState {
    const s = this.state.get(name);
    if (!s) throw new Error(`${this.method}: no adapter '${name}' on this layer`);
    return s;
  }

  protected override onDeleteAdapter(name: string): void {
    this.state.delete(name);
  }

  /** The scaled weight update in PyTorch layout; any shape with the weight's element count. */
  protected abstract torchDelta(name: string): tf.Tensor;

  /** ΔW in memory layout, optionally with rank dropout (training forward only). */
  private memoryDelta(name: string, rankDropout: boolean): tf.Tensor {
    return tf.tidy(() => {
      const shape = this.torchWeightShape;
      let delta = tf.reshape(this.torchDelta(name), shape);
      const s = this.stateOf(name);
      if (rankDropout && s.rankDropout > 0) {
        // HF drops whole output rows of ΔW, optionally rescaled by the kept fraction.
        const out = shape[0] as number;
        let keep = tf.cast(
          tf.greater(tf.randomUniform([out], 0, 1, 'float32', drawSeed()), s.rankDropout),
          'float32',
        );
        // A guard HF lacks: if every row is dropped, keep zeros instead of dividing by zero.
        if (s.rankDropoutScale) keep = tf.div(keep, tf.maximum(tf.mean(keep), 1e-12));
        delta = tf.mul(delta, tf.reshape(keep, [out, ...shape.slice(1).map(() => 1)]));
      }
      const w = this.layer.weight;
      return fromTorchLayout(delta, w.layout, w.shape);
    });
  }

  override deltaWeight(name: string): tf.Tensor | undefined {
    if (!this.hasAdapter(name)) return undefined;
    return this.memoryDelta(name, false);
  }

  /** `x ⊛ ΔW`: the adapter's additive contribution (the base bias is already in the base output). */
  private apply(name: string, x: tf.Tensor, stochastic: boolean): tf.Tensor {
    const w = this.memoryDelta(name, stochastic);
    const base = this.layer;
    if (base instanceof Linear) {
      const flat = x.rank === 2 ? x : tf.reshape(x, [-1, base.inFeatures]);
      const y = tf.matMul(flat, w);
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), base.outFeatures]);
    }
    // Run the base conv itself with ΔW as its kernel, so stride/padding/dilation/groups match.
    return convWith(base, x, w);
  }

  forward(x: tf.Tensor): tf.Tensor {
    let result = this.layer.forward(x);
    const masks = this.routedMasks(x.shape[0] ?? 1);
    if (masks) {
      // Per-example routing is inference: no module or rank dropout.
      for (const [name, mask] of masks) {
        const shape = [mask.shape[0], ...new Array(x.rank - 1).fill(1)];
        result = tf.add(result, tf.mul(this.apply(name, x, false), tf.reshape(mask, shape)));
      }
      return result;
    }
    for (const name of this.adaptersForCall()) {
      const s = this.stateOf(name);
      // Module dropout: in training, skip this adapter for the whole call with probability p.
      if (this.training && s.moduleDropout > 0 && getRng().next() < s.moduleDropout) continue;
      result = tf.add(result, this.apply(name, x, this.training));
    }
    return result;
  }
}

/** Runs `base`'s convolution with `kernel` (memory layout of `base.weight`) and no bias. */
function convWith(base: Conv2d, x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
  return convNhwc(x as tf.Tensor4D, kernel as tf.Tensor4D, {
    stride: base.stride,
    padding: base.padding,
    dilation: base.dilation,
    groups: base.groups,
    mode: base.mode,
  });
}

/**
 * CP / Tucker rebuild of a conv kernel, HF's `make_weight_cp`:
 * `out[p, q, h, w] = Σ_ij core[i, j, h, w] · wa[i, p] · wb[j, q]`, written as plain 2-D matMuls
 * (tfjs cannot train through `einsum`).
 *
 * @param core `[i, j, kh, kw]`
 * @param wa `[i, p]` (output mode)
 * @param wb `[j, q]` (input mode)
 * @returns `[p, q, kh, kw]`
 */
export function cpRebuild(core: tf.Tensor, wa: tf.Tensor, wb: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [i, j, kh, kw] = core.shape as [number, number, number, number];
    const p = wa.shape[1] as number;
    const q = wb.shape[1] as number;
    // Σ_j core[i, j, h, w] wb[j, q] -> [i, h, w, q]
    const t = tf.reshape(tf.transpose(core, [0, 2, 3, 1]), [i * kh * kw, j]);
    const tq = tf.reshape(tf.matMul(t, wb), [i, kh * kw * q]);
    // Σ_i wa[i, p] (...)[i, h, w, q] -> [p, h, w, q]
    const full = tf.reshape(tf.matMul(tf.transpose(wa), tq), [p, kh, kw, q]);
    return tf.transpose(full, [0, 3, 1, 2]);
  });
}
