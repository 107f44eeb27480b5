import type { AnyModule } from '../nn/index.js';
import type { AdapterEntry } from './adapter-entry.js';
import type { PeftMethod } from './method.js';
import { ModulesToSaveWrapper } from './modules-to-save.js';
import { adapterLayers } from './tuner.js';

/**
 * Turns an adapted `model` back into a plain one, in place: in-place methods release their
 * state (`merged`: keep the active values in the base, else restore the originals), adapter
 * layers are replaced by their base modules (`modulesToSave` wrappers by the first `active`
 * adapter's copy, the original then being disposed), adapter parameters and buffers are disposed,
 * layers free their out-of-tree state, and every parameter is made trainable.
 */
export function unloadAdapters(
  model: AnyModule,
  entries: Iterable<AdapterEntry>,
  active: readonly string[],
  merged: boolean,
): void {
  // First, so a method that cannot restore the base refuses before anything changed.
  const released = new Set<PeftMethod>();
  for (const e of entries) {
    if (!e.method.releaseState || released.has(e.method)) continue;
    released.add(e.method);
    e.method.releaseState(model, merged);
  }
  for (const [p, layer] of adapterLayers(model)) {
    let replacement = layer.base;
    if (layer instanceof ModulesToSaveWrapper) {
      const name = active.find((n) => layer.hasAdapter(n));
      if (name) replacement = layer.copyFor(name);
    }
    model.setSubmodule(p, replacement);
    // Buffers too: an adapter's module copy (LN tuning of a BatchNorm) has running statistics.
    const kept = new Set(replacement.stateDict().values());
    for (const n of layer.adapterNames()) {
      const owned = new Set([...layer.adapterParameters(n), ...layer.adapterParametersByKey(n).values()]);
      for (const param of owned) if (!kept.has(param)) param.dispose();
    }
    // A `modulesToSave` original replaced by its trained copy leaves the model for good.
    if (replacement !== layer.base)
      for (const param of layer.base.stateDict().values()) if (!kept.has(param)) param.dispose();
    layer.releaseAdapters();
  }
  for (const p of model.parameters()) p.trainable = true;
}
