import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting } from './adapter-layer.js';
import { candidateModules, matchesNameOrSuffix } from './targets.js';

/**
 * Keeps the original module frozen and one fully trainable copy per adapter, as HF PEFT's
 * `ModulesToSaveWrapper` does for `modules_to_save` (typically the classifier head). The copy's
 * weights are saved under the original module's own keys (`classifier.weight`).
 */
export class ModulesToSaveWrapper extends AdapterLayer<unknown[], tf.TensorContainer> {
  readonly adapterContainers = ['modules_to_save'] as const;
  protected override readonly unprefixedContainers = ['modules_to_save'];

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing);
    this.registerModule('modules_to_save', new AdapterModuleDict());
  }

  /** The trainable copy kept for adapter `name`. */
  copyFor(name: string): AnyModule {
    return this.copies.get(name);
  }

  private get copies(): AdapterModuleDict {
    return this.child<AdapterModuleDict>('modules_to_save');
  }

  addAdapter(name: string): void {
    const copy = this.base.clone();
    copy.requiresGrad(true);
    this.copies.set(name, copy);
  }

  /** The module used for this call: the first active adapter's copy, else the original. */
  private current(): AnyModule {
    const name = this.adaptersForCall()[0];
    return name ? this.copies.get(name) : this.base;
  }

  forward(...inputs: unknown[]): tf.TensorContainer {
    const first = inputs[0];
    const masks = first instanceof tf.Tensor ? this.routedMasks(first.shape[0] ?? 1) : undefined;
    if (!masks) return this.current().forward(...inputs);
    // Per-example routing: run the original and each routed copy, pick rows by mask.
    let out = this.base.forward(...inputs) as tf.Tensor;
    for (const [name, mask] of masks) {
      const y = this.copies.get(name).forward(...inputs) as tf.Tensor;
      const m = tf.reshape(mask, [mask.shape[0], ...new Array(y.rank - 1).fill(1)]);
      out = tf.add(tf.mul(out, tf.sub(1, m)), tf.mul(y, m));
    }
    return out;
  }

  /** Merging has no meaning for a full copy; `mergeAndUnload` swaps the active copy in instead. */
  override merge(): void {}
  override unmerge(): void {}
}

/**
 * Wraps every module of `model` matching `patterns` (name or suffix) in a `ModulesToSaveWrapper`
 * (reusing an existing wrapper) and gives it a copy for adapter `name`. Returns the wrapped
 * paths; unmatched patterns are reported through `warn`.
 */
export function wrapModulesToSave(
  model: AnyModule,
  routing: AdapterRouting,
  patterns: readonly string[],
  name: string,
  warn: (message: string) => void,
): string[] {
  if (patterns.length === 0) return [];
  const wrapped: string[] = [];
  for (const [p, m] of candidateModules(model)) {
    if (!patterns.some((pat) => matchesNameOrSuffix(p, pat))) continue;
    if (m instanceof AdapterLayer && !(m instanceof ModulesToSaveWrapper)) {
      throw new Error(
        `modulesToSave: '${p}' is already adapted by ${m.typeName}; a module is either adapted or saved whole`,
      );
    }
    const wrapper = m instanceof ModulesToSaveWrapper ? m : new ModulesToSaveWrapper(m, routing);
    if (wrapper !== m) model.setSubmodule(p, wrapper);
    wrapper.addAdapter(name);
    wrapped.push(p);
  }
  const unmatched = patterns.filter((pat) => !wrapped.some((p) => matchesNameOrSuffix(p, pat)));
  if (unmatched.length) warn(`modulesToSave: no module matched ${unmatched.join(', ')}`);
  return wrapped;
}
