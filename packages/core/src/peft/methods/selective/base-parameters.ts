import type { AnyModule, Parameter } from '../../../nn/index.js';
import { AdapterLayer } from '../../adapter-layer.js';

/**
 * The base model's own parameters under `module` (itself included), with paths relative to the
 * model root: inside an adapter layer only `base_layer` is visited, so adapter weights (LoRA's
 * `lora_A`, a `modulesToSave` copy) are never picked up as "base" parameters.
 */
export function baseParameters(module: AnyModule, path = ''): [string, Parameter][] {
  const out: [string, Parameter][] = [];
  const seen = new Set<Parameter>();
  const walk = (m: AnyModule, at: string): void => {
    for (const [name, p] of m.namedOwnParameters()) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push([at ? `${at}.${name}` : name, p]);
    }
    for (const [name, child] of m.namedChildren()) {
      if (m instanceof AdapterLayer && name !== 'base_layer') continue;
      walk(child, at ? `${at}.${name}` : name);
    }
  };
  walk(module, path);
  return out;
}
