import type { AdapterEntry } from './adapter-entry.js';
import { type AdapterRouting, BASE_ADAPTER } from './adapter-layer.js';

/**
 * Runs `call` with one adapter per batch row (`'__base__'` = no adapter), as HF's
 * `adapter_names` argument: checks the names against `lookup`, publishes them on the shared
 * `routing` the adapter layers read, and clears it afterwards. `active` are the model's active
 * adapters, which must allow per-row routing too.
 */
export function withAdapterNames<T>(
  routing: AdapterRouting,
  adapterNames: readonly string[],
  active: readonly string[],
  lookup: (name: string) => AdapterEntry | undefined,
  call: () => T,
): T {
  for (const n of adapterNames) {
    if (n !== BASE_ADAPTER && !lookup(n)) throw new Error(`adapterNames: unknown adapter '${n}'`);
  }
  // Methods that change the base in place or the sequence length cannot serve rows separately.
  for (const n of new Set([...adapterNames, ...active])) {
    const e = n === BASE_ADAPTER ? undefined : lookup(n);
    if (e?.method.perExampleRouting === false) {
      throw new Error(
        `adapterNames: ${e.method.peftType} adapter '${n}' cannot be routed per example; run it on its own (setAdapter)`,
      );
    }
  }
  routing.adapterNames = adapterNames;
  try {
    return call();
  } finally {
    routing.adapterNames = undefined;
  }
}
