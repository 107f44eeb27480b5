import * as tf from '@tensorflow/tfjs';
import { type AnyModule, type Dropout, type Parameter, stopGradient } from '../../../nn/index.js';
import {
  AdapterContainerLike,
  AdapterLayer,
  type AdapterModuleDict,
  BASE_ADAPTER,
} from '../../adapter-layer.js';
import { checkSafeMerge } from '../../safe-merge.js';
import type { LoraLayerSettings } from './config.js';
import { DoraMagnitude, outputNorm } from './dora.js';
import { checkLoraSettings } from './settings-check.js';

/** What a LoRA layer keeps per adapter besides its parameters. */
export interface LoraAdapterState {
  readonly r: number;
  readonly loraAlpha: number;
  /** `alpha / r`, or `alpha / sqrt(r)` with rsLoRA. */
  readonly scaling: number;
  readonly useDora: boolean;
  readonly loraBias: boolean;
}

/**
 * An adapter's low-rank factors in memory layout, flattened to 2-D so that the weight update is
 * `scaling * a @ b` reshaped to the base weight's shape (`a`: `[P, r]`, `b`: `[r, out]`).
 */
export interface LoraFactors {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
}

/**
 * What every LoRA layer (Linear, Embedding, Conv1d, Conv2d) shares: scaling and per-adapter
 * bookkeeping, the forward decision table (per-example routing, else base plus each active
 * adapter), DoRA (forward, init, merge, unmerge) and merging of `lora_B` biases. Subclasses
 * create the A/B parameters for their base type and say how the low-rank path runs.
 *
 * Every base weight keeps its output axis last in memory, so "per output unit" (DoRA's norm and
 * magnitude) means "per last-axis index" for all of them.
 */
export abstract class LoraLayer extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  private readonly states = new Map<string, LoraAdapterState>();
  /** DoRA's scale at merge time, needed to undo a merge exactly. */
  private readonly doraMergeScales = new Map<string, tf.Tensor>();

  protected dict<M extends AnyModule>(name: string): AdapterModuleDict<M> {
    return this.child<AdapterModuleDict<M>>(name);
  }

  /** State of adapter `name`; throws naming the layer if it is absent. */
  adapterState(name: string): LoraAdapterState {
    const s = this.states.get(name);
    if (!s) throw new Error(`${this.typeName}: no adapter '${name}'`);
    return s;
  }

  scaling(name: string): number {
    return this.adapterState(name).scaling;
  }

  rank(name: string): number {
    return this.adapterState(name).r;
  }

  /** The weight LoRA adapts (and merges into). */
  get baseWeight(): Parameter {
    return this.mergeTarget();
  }

  /** The base module's bias, if it has one. */
  get baseBias(): Parameter | undefined {
    return this.base.namedOwnParameters().find(([n]) => n === 'bias')?.[1];
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as LoraLayerSettings;
    checkLoraSettings(this.base, s);
    const scaling = s.useRslora ? s.loraAlpha / Math.sqrt(s.r) : s.loraAlpha / s.r;
    this.states.set(name, {
      r: s.r,
      loraAlpha: s.loraAlpha,
      scaling,
      useDora: s.useDora,
      loraBias: s.loraBias,
    });
    try {
      this.createAdapter(name, s, scaling);
      if (s.useDora) {
        // HF initialises the magnitude to the norms of the (possibly PiSSA-residual) weight plus
        // the initial update, so a fresh DoRA adapter is also the identity.
        const m = tf.tidy(() => {
          const norm = outputNorm(tf.add(this.baseWeight.value, this.loraDelta(name)));
          return tf.reshape(norm, this.magnitudeShape(norm.shape[0]));
        });
        this.dict<DoraMagnitude>('lora_magnitude_vector').set(name, new DoraMagnitude(m));
      }
    } catch (err) {
      for (const c of this.adapterContainers) {
        if (!this.hasSubmodule(c)) continue;
        const d = this.child(c);
        if (d instanceof AdapterContainerLike && d.has(name)) d.remove(name);
      }
      this.states.delete(name);
      throw err;
    }
  }

  protected override onDeleteAdapter(name: string): void {
    this.states.delete(name);
  }

  /** Creates and initialises adapter `name`'s parameters in this layer's containers. */
  protected abstract createAdapter(name: string, s: LoraLayerSettings, scaling: number): void;

  /** `B(A(x))` without scaling (`x` already passed through dropout). */
  protected abstract loraPath(name: string, x: tf.Tensor): tf.Tensor;

  /** The flattened low-rank factors (new tensors; the caller disposes). */
  abstract loraFactors(name: string): LoraFactors;

  /** Overwrites adapter `name`'s A and B from flattened factors of the same rank. */
  abstract assignLoraFactors(name: string, a: tf.Tensor2D, b: tf.Tensor2D): void;

  /** The trainable bias of `lora_B` (`loraBias`), if any. */
  protected loraBBias(_name: string): Parameter | undefined {
    return undefined;
  }

  /** Shape of the DoRA magnitude parameter for `out` output units (HF's file shape). */
  protected magnitudeShape(out: number): number[] {
    return [out];
  }

  /** Applies the adapter's input dropout (default: its `lora_dropout` entry). */
  protected dropoutInput(name: string, x: tf.Tensor): tf.Tensor {
    return this.dict<Dropout>('lora_dropout').get(name).forward(x);
  }

  /** `scaling * BA` in the base weight's memory layout. */
  protected loraDelta(name: string): tf.Tensor {
    return tf.tidy(() => {
      const { a, b } = this.loraFactors(name);
      return tf.reshape(tf.mul(tf.matMul(a, b), this.scaling(name)), this.baseWeight.shape);
    });
  }

  private magnitude(name: string): tf.Tensor1D {
    return this.dict<DoraMagnitude>('lora_magnitude_vector').get(name).vector();
  }

  /** DoRA's `m / ||W + s*BA||` per output unit, from the current base weight. */
  private doraScale(name: string): tf.Tensor1D {
    return tf.tidy(() =>
      tf.div(this.magnitude(name), outputNorm(tf.add(this.baseWeight.value, this.loraDelta(name)))),
    );
  }

  override deltaWeight(name: string): tf.Tensor | undefined {
    if (!this.hasAdapter(name)) return undefined;
    if (!this.adapterState(name).useDora) return this.loraDelta(name);
    // DoRA: merged weight = (m / ||W + sBA||) * (W + sBA); the delta is that minus W.
    return tf.tidy(() => {
      const w = this.baseWeight.value;
      const adapted = tf.add(w, this.loraDelta(name));
      return tf.sub(tf.mul(adapted, this.doraScale(name)), w);
    });
  }

  protected override mergeOne(name: string, sign: 1 | -1, safe: boolean): void {
    const st = this.adapterState(name);
    const bBias = this.loraBBias(name);
    const bias = this.baseBias;
    if (bBias && !bias) {
      throw new Error(
        `${this.typeName}: cannot merge adapter '${name}': loraBias needs a bias in the base ${this.base.typeName}`,
      );
    }
    if (st.useDora) this.mergeDora(name, sign, safe);
    else super.mergeOne(name, sign, safe);
    if (bBias && bias) {
      const next = tf.tidy(() => tf.add(bias.value, tf.mul(bBias.value, sign * st.scaling)));
      bias.assign(next);
      next.dispose();
    }
  }

  /**
   * DoRA is not additive: `W' = scale * (W + sBA)` with `scale` from the weight before merging,
   * so unmerging needs that scale (kept here, as HF caches the weight norm): `W = W'/scale - sBA`.
   */
  private mergeDora(name: string, sign: 1 | -1, safe: boolean): void {
    const w = this.baseWeight;
    if (sign === -1) {
      const saved = this.doraMergeScales.get(name);
      if (!saved) throw new Error(`${this.typeName}: no saved DoRA scale to unmerge adapter '${name}'`);
      const next = tf.tidy(() => tf.sub(tf.div(w.value, saved), this.loraDelta(name)));
      w.assign(next);
      next.dispose();
      saved.dispose();
      this.doraMergeScales.delete(name);
      return;
    }
    const scale = this.doraScale(name);
    const next = tf.tidy(() => tf.mul(tf.add(w.value, this.loraDelta(name)), scale));
    try {
      if (safe) checkSafeMerge(name, this.base.typeName, [next]);
      w.assign(next);
      this.doraMergeScales.set(name, scale);
    } catch (err) {
      scale.dispose();
      throw err;
    } finally {
      next.dispose();
    }
  }

  /** HF's decision table: merged/disabled -> base only; per-example routing; else base + each active adapter. */
  forward(x: tf.Tensor): tf.Tensor {
    const result = this.base.forward(x) as tf.Tensor;
    const groups = this.routedGroups(x.shape[0] ?? 1);
    if (groups) return this.routedForward(x, result, groups);
    let out = result;
    for (const name of this.adaptersForCall()) out = tf.add(out, this.adapterOutput(name, x, result));
    return out;
  }

  /**
   * Per-example routing. One adapter for every row: that adapter's plain forward. Several
   * stackable adapters (no DoRA, no `lora_B` bias, no active dropout): ONE low-rank product for
   * all rows, as S-LoRA/punica batch rows of different adapters: the adapters' A factors side by
   * side (`[P, R]`, R the sum of their ranks), each row's `x A` masked to its own adapter's
   * columns (the mask carries that adapter's scaling), then the B factors stacked (`[R, out]`),
   * so the op count does not grow with the number of adapters. Otherwise a masked pass per
   * adapter.
   */
  private routedForward(x: tf.Tensor, result: tf.Tensor, groups: Map<string, number[]>): tf.Tensor {
    const names = [...groups.keys()].filter((n) => n !== BASE_ADAPTER);
    if (names.length === 0) return result;
    if (groups.size === 1) return tf.add(result, this.adapterOutput(names[0] as string, x, result));
    if (names.every((n) => this.stackable(n))) {
      const stacked = this.stackedOutput(x, result, groups, names);
      if (stacked) return tf.add(result, stacked);
    }
    let out = result;
    const rows = x.shape[0] ?? 1;
    for (const name of names) {
      const mask = new Float32Array(rows);
      for (const r of groups.get(name) ?? []) mask[r] = 1;
      const m = tf.tensor(mask, [rows, ...new Array(result.rank - 1).fill(1)]);
      out = tf.add(out, tf.mul(this.adapterOutput(name, x, result), m));
    }
    return out;
  }

  /** Whether adapter `name` is a plain low-rank update here (no DoRA, no `lora_B` bias, no dropout now). */
  private stackable(name: string): boolean {
    const st = this.adapterState(name);
    return !st.useDora && !st.loraBias && !this.dropoutActive(name);
  }

  /** Whether the adapter's input dropout changes values on this call (training with `p > 0`). */
  protected dropoutActive(name: string): boolean {
    if (!this.hasSubmodule('lora_dropout')) return false;
    const d = this.dict<Dropout>('lora_dropout');
    if (!d.has(name)) return false;
    const drop = d.get(name);
    return drop.training && drop.p > 0;
  }

  /**
   * `x` through concatenated A factors, `[...rows, R]`, or `undefined` when this layer type has
   * no stacked path (the masked pass per adapter runs instead). `a` is `[P, R]` as `loraFactors`.
   */
  protected stackedLowRankInput(_x: tf.Tensor, _a: tf.Tensor2D): tf.Tensor | undefined {
    return undefined;
  }

  /**
   * The flattened A and B of adapter `name` as they are (no copy), or `undefined` when this layer
   * type has no stacked path; subclasses with one override this and `stackedLowRankInput`.
   */
  protected factorViews(_name: string): LoraFactors | undefined {
    return undefined;
  }

  private stackedOutput(
    x: tf.Tensor,
    result: tf.Tensor,
    groups: Map<string, number[]>,
    names: readonly string[],
  ): tf.Tensor | undefined {
    const maybe = names.map((n) => this.factorViews(n));
    if (maybe.some((v) => v === undefined)) return undefined;
    const views = maybe as LoraFactors[];
    const a =
      views.length === 1
        ? views[0]?.a
        : tf.concat(
            views.map((v) => v.a),
            1,
          );
    const xa = this.stackedLowRankInput(x, a as tf.Tensor2D);
    if (!xa) return undefined;
    const b = tf.concat(
      views.map((v) => v.b),
      0,
    );
    const rows = x.shape[0] ?? 1;
    const width = b.shape[0];
    const mask = new Float32Array(rows * width);
    let offset = 0;
    for (const [k, name] of names.entries()) {
      const r = views[k]?.a.shape[1] as number;
      const s = this.scaling(name);
      for (const row of groups.get(name) ?? []) mask.fill(s, row * width + offset, row * width + offset + r);
      offset += r;
    }
    const m = tf.tensor(mask, [rows, ...new Array(xa.rank - 2).fill(1), width]);
    const y = tf.matMul(tf.reshape(tf.mul(xa, m), [-1, width]), b);
    return tf.reshape(y, result.shape);
  }

  /** The adapter's additive contribution to the base output `result`. */
  private adapterOutput(name: string, x: tf.Tensor, result: tf.Tensor): tf.Tensor {
    const st = this.adapterState(name);
    const xd = this.dropoutInput(name, x);
    const lora = this.loraPath(name, xd);
    if (!st.useDora) return tf.mul(lora, st.scaling);
    // DoRA (HF): (m/||W + sBA|| - 1) * base(x) + m/||W + sBA|| * s * B(A(x)), the norm detached
    // from the gradient as the paper suggests. base(x) without bias; reused when no dropout ran.
    const norm = stopGradient(outputNorm(tf.add(this.baseWeight.value, this.loraDelta(name))));
    const magScale = tf.div(this.magnitude(name), norm);
    const bias = this.baseBias;
    const baseOut = xd === x ? result : (this.base.forward(xd) as tf.Tensor);
    const baseNoBias = bias ? tf.sub(baseOut, bias.value) : baseOut;
    return tf.add(tf.mul(tf.sub(magScale, 1), baseNoBias), tf.mul(tf.mul(magScale, lora), st.scaling));
  }
}
