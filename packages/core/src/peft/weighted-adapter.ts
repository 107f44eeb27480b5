import type { AnyModule } from '../nn/index.js';
import type { AdapterEntry } from './adapter-entry.js';
import { validateAdapterName } from './adapter-layer.js';
import { ModulesToSaveWrapper } from './modules-to-save.js';
import { adapterLayers } from './tuner.js';

/** The parts of a `PeftModel` that combining adapters works on. */
export interface WeightedAdapterHost {
  readonly model: AnyModule;
  hasAdapter(name: string): boolean;
  /** The entry of adapter `name`; throws for an unknown name. */
  entry(name: string): AdapterEntry;
  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void;
  deleteAdapter(name: string): void;
}

/**
 * Adds adapter `adapterName` to `host` as a weighted combination of existing adapters of one
 * method (see `PeftModel.addWeightedAdapter`): validates the request, lets the method build the
 * new adapter, then carries `modulesToSave` copies over from their single owner. On failure the
 * half-built adapter is removed again.
 */
export function addWeightedAdapter(
  host: WeightedAdapterHost,
  adapters: readonly string[],
  weights: readonly number[],
  adapterName: string,
  combinationType: string,
  options: Readonly<Record<string, unknown>>,
): void {
  validateAdapterName(adapterName);
  if (host.hasAdapter(adapterName))
    throw new Error(`addWeightedAdapter: adapter '${adapterName}' already exists`);
  if (adapters.length === 0) throw new Error('addWeightedAdapter: give at least one source adapter');
  if (weights.length !== adapters.length || weights.some((w) => !Number.isFinite(w))) {
    throw new Error(
      `addWeightedAdapter: need one finite weight per adapter (${adapters.length} adapters, weights [${weights.join(', ')}])`,
    );
  }
  const entries = adapters.map((n) => host.entry(n));
  const method = (entries[0] as AdapterEntry).method;
  const other = entries.find((e) => e.method !== method);
  if (other) {
    throw new Error(
      `addWeightedAdapter: cannot combine ${method.peftType} and ${other.method.peftType} adapters`,
    );
  }
  if (!method.addWeightedAdapter) {
    throw new Error(`addWeightedAdapter: ${method.peftType} adapters cannot be combined`);
  }
  const saved = savedCopyOwners(host.model, adapters);
  try {
    method.addWeightedAdapter({
      model: host.model,
      sources: adapters.map((name, i) => ({
        name,
        config: (entries[i] as AdapterEntry).config,
        targets: (entries[i] as AdapterEntry).targets,
      })),
      weights,
      adapterName,
      combinationType,
      options,
      addAdapter: (config) => {
        host.addAdapter(adapterName, config);
      },
    });
    for (const [layer, owner] of saved) {
      if (!layer.hasAdapter(adapterName)) continue;
      const from = layer.copyFor(owner).parameters();
      const to = layer.copyFor(adapterName).parameters();
      from.forEach((p, i) => {
        to[i]?.assign(p.value);
      });
    }
  } catch (err) {
    if (host.hasAdapter(adapterName)) host.deleteAdapter(adapterName);
    throw err;
  }
}

/**
 * The `modulesToSave` wrappers one of `adapters` keeps a copy in, with that adapter. A module
 * saved whole by several sources has no meaningful combination, so that is refused.
 */
function savedCopyOwners(model: AnyModule, adapters: readonly string[]): Map<ModulesToSaveWrapper, string> {
  const saved = new Map<ModulesToSaveWrapper, string>();
  for (const [p, layer] of adapterLayers(model)) {
    if (!(layer instanceof ModulesToSaveWrapper)) continue;
    const owners = adapters.filter((n) => layer.hasAdapter(n));
    if (owners.length > 1) {
      throw new Error(
        `addWeightedAdapter: '${p}' is saved whole (modulesToSave) by several of the adapters (${owners.join(', ')}); such copies cannot be combined`,
      );
    }
    if (owners.length === 1) saved.set(layer, owners[0] as string);
  }
  return saved;
}
