import * as tf from '@tensorflow/tfjs';
import type { AnyModule, Parameter } from '../../../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';

/**
 * LN tuning on one normalisation module, after HF's `LNTuningLayer`: the frozen `base_layer`
 * plus a full trainable copy per adapter in `ln_tuning_layers`, so file keys read
 * `<path>.ln_tuning_layers.weight` / `.bias` as in HF PEFT.
 *
 * Forward uses the active adapter's copy (one at a time, as HF). Merging swaps the copy's values
 * into the base (HF swaps the modules), so `mergeAndUnload` leaves the tuned norm in the model and
 * `unmerge` swaps back exactly. Per-example routing picks rows from the base and each copy.
 */
export class LnTuningLayer extends AdapterLayer<unknown[], tf.Tensor> {
  readonly adapterContainers = ['ln_tuning_layers'] as const;

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing);
    this.registerModule('ln_tuning_layers', new AdapterModuleDict());
  }

  private get copies(): AdapterModuleDict {
    return this.child<AdapterModuleDict>('ln_tuning_layers');
  }

  /** The trainable copy of adapter `name`. */
  copyFor(name: string): AnyModule {
    return this.copies.get(name);
  }

  addAdapter(name: string): void {
    const copy = this.base.clone();
    copy.requiresGrad(true);
    this.copies.set(name, copy);
  }

  forward(...inputs: unknown[]): tf.Tensor {
    const x = inputs[0];
    const masks = x instanceof tf.Tensor ? this.routedMasks(x.shape[0] ?? 1) : undefined;
    if (masks) {
      let out = this.base.forward(...inputs) as tf.Tensor;
      for (const [name, mask] of masks) {
        const y = this.copies.get(name).forward(...inputs) as tf.Tensor;
        const m = tf.reshape(mask, [mask.shape[0], ...new Array<number>(y.rank - 1).fill(1)]);
        out = tf.add(tf.mul(out, tf.sub(1, m)), tf.mul(y, m));
      }
      return out;
    }
    const names = this.adaptersForCall();
    if (names.length > 1) {
      throw new Error(
        `LN_TUNING: ${names.length} adapters are active (${names.join(', ')}), but LN tuning replaces the ` +
          'norm and can run only one at a time',
      );
    }
    const name = names[0];
    return (name ? this.copies.get(name) : this.base).forward(...inputs) as tf.Tensor;
  }

  /** Merges one adapter (a second merge first unmerges the previous one, as HF). */
  override merge(
    names: readonly string[] = this.activeAdapters,
    options: { safeMerge?: boolean } = {},
  ): void {
    const mine = names.filter((n) => this.hasAdapter(n));
    if (mine.length > 1) {
      throw new Error(
        `LN_TUNING: cannot merge ${mine.length} adapters (${mine.join(', ')}); merge one at a time`,
      );
    }
    const name = mine[0];
    if (name === undefined || this.mergedAdapters.includes(name)) return;
    if (this.isMerged) this.unmerge();
    super.merge([name], options);
  }

  /** Swaps values between the base and the copy: its own inverse, so the sign does not matter. */
  protected override mergeOne(name: string): void {
    const base = stateOf(this.base);
    const copy = stateOf(this.copies.get(name));
    for (const [key, p] of base) {
      const q = copy.get(key) as Parameter;
      const held = tf.clone(p.value);
      p.assign(q.value);
      q.assign(held);
      held.dispose();
    }
  }
}

function stateOf(m: AnyModule): Map<string, Parameter> {
  return new Map([...m.namedParameters(), ...m.namedBuffers()]);
}
