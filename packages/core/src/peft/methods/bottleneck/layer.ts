import * as tf from '@tensorflow/tfjs';
import {
  type AnyModule,
  Conv2d,
  Dropout,
  GELU,
  Linear,
  ReLU,
  SiLU,
  Tanh,
  type UnaryModule,
} from '../../../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';
import type { BottleneckLayerSettings, BottleneckNonLinearity } from './config.js';

interface BottleneckState {
  parallel: boolean;
  residual: boolean;
  scaling: number;
  act: UnaryModule;
}

function activation(name: BottleneckNonLinearity): UnaryModule {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'gelu':
      return new GELU();
    case 'silu':
      return new SiLU();
    case 'tanh':
      return new Tanh();
  }
}

/**
 * A bottleneck adapter (AdapterHub's `Adapter`) around a `Linear` or `Conv2d`:
 *
 * - sequential (Pfeiffer/Houlsby): `h = base(x); y = h + s * up(act(down(h)))` (`residual: false`
 *   drops the `h +`);
 * - parallel (He et al.): `y = base(x) + s * up(act(down(x)))`.
 *
 * `down` and `up` are Linears with bias on the last axis (features, or NHWC channels), held in
 * the `adapter_down` / `adapter_up` containers, so file keys read `<path>.adapter_down.weight`.
 * With several active adapters, parallel ones are summed on the base output first, then the
 * sequential ones are applied in activation order (AdapterHub's `Stack`). Not mergeable: the
 * non-linearity cannot be folded into the base weight.
 */
export class BottleneckLayer extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['adapter_down', 'adapter_up', 'adapter_dropout'] as const;
  private readonly state = new Map<string, BottleneckState>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear || base instanceof Conv2d)) {
      throw new Error(`BottleneckLayer wraps a Linear or Conv2d, got ${base.typeName}`);
    }
    super(base, routing);
    for (const c of this.adapterContainers) this.registerModule(c, new AdapterModuleDict());
  }

  private get target(): Linear | Conv2d {
    return this.base as Linear | Conv2d;
  }

  private dict<M extends AnyModule>(name: (typeof this.adapterContainers)[number]): AdapterModuleDict<M> {
    return this.child<AdapterModuleDict<M>>(name);
  }

  /** Width the adapter reads (the base output for sequential, the base input for parallel) and writes. */
  private dims(parallel: boolean): { dIn: number; dOut: number } {
    const t = this.target;
    const inDim = t instanceof Linear ? t.inFeatures : t.inChannels;
    const outDim = t instanceof Linear ? t.outFeatures : t.outChannels;
    return { dIn: parallel ? inDim : outDim, dOut: outDim };
  }

  /** Bottleneck width of adapter `name`. */
  bottleneckSize(name: string): number {
    return this.dict<Linear>('adapter_down').get(name).outFeatures;
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as BottleneckLayerSettings;
    if (s.parallel && this.target instanceof Conv2d) {
      throw new Error(
        "BOTTLENECK: variant 'parallel' wraps Linear modules only (a Conv2d's output can differ in shape from its input); use a sequential variant",
      );
    }
    const { dIn, dOut } = this.dims(s.parallel);
    const size = s.bottleneckSize ?? Math.max(1, Math.floor(dOut / (s.reductionFactor ?? 16)));
    const down = new Linear(dIn, size);
    const up = new Linear(size, dOut);
    if (s.initWeights) {
      // AdapterHub's 'mam_adapter' init: down keeps the default (kaiming-uniform) weight with a
      // zero bias; up is exactly zero, so the adapter adds nothing until it trains.
      for (const p of [down.bias, up.weight, up.bias]) {
        if (!p) continue;
        const zeros = tf.zerosLike(p.value);
        p.assign(zeros);
        zeros.dispose();
      }
    }
    this.dict('adapter_down').set(name, down);
    this.dict('adapter_up').set(name, up);
    this.dict('adapter_dropout').set(name, new Dropout(s.adapterDropout));
    this.state.set(name, {
      parallel: s.parallel,
      residual: s.residual,
      scaling: s.scaling,
      act: activation(s.nonLinearity),
    });
  }

  protected override onDeleteAdapter(name: string): void {
    this.state.delete(name);
  }

  /** `dropout(s * up(act(down(h))))`, AdapterHub's order. */
  private bottleneck(name: string, h: tf.Tensor): tf.Tensor {
    const st = this.state.get(name) as BottleneckState;
    const down = this.dict<Linear>('adapter_down').get(name);
    const up = this.dict<Linear>('adapter_up').get(name);
    const out = tf.mul(up.forward(st.act.forward(down.forward(h))), st.scaling);
    return this.dict<Dropout>('adapter_dropout').get(name).forward(out);
  }

  /** Output of the base followed by adapter `name` alone (for per-example routing). */
  private single(name: string, x: tf.Tensor, y: tf.Tensor): tf.Tensor {
    const st = this.state.get(name) as BottleneckState;
    if (st.parallel) return tf.add(y, this.bottleneck(name, x));
    const a = this.bottleneck(name, y);
    return st.residual ? tf.add(y, a) : a;
  }

  forward(x: tf.Tensor): tf.Tensor {
    let y = this.target.forward(x);
    const masks = this.routedMasks(x.shape[0] ?? 1);
    if (masks) {
      // Rows are disjoint: keep the base output where no adapter is routed, else that adapter's.
      const shape = [x.shape[0] ?? 1, ...new Array(y.rank - 1).fill(1)];
      let out = y;
      for (const [name, mask] of masks) {
        const m = tf.reshape(mask, shape);
        out = tf.add(tf.mul(out, tf.sub(1, m)), tf.mul(this.single(name, x, y), m));
      }
      return out;
    }
    const names = this.adaptersForCall();
    for (const name of names) if (this.state.get(name)?.parallel) y = tf.add(y, this.bottleneck(name, x));
    for (const name of names) if (!this.state.get(name)?.parallel) y = this.single(name, x, y);
    return y;
  }
}
