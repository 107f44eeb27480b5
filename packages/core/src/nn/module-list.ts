import { brandClass } from './brand.js';
import type { AnyModule } from './module.js';
import { Module } from './module.js';

/**
 * An indexed list of modules, PyTorch's `nn.ModuleList`: children named `'0'`, `'1'`, ..., so a
 * list registered as `layers` gives paths `layers.0.self_attn.q_proj`. Items are read from the
 * child registry, so `setSubmodule('layers.1', m)` is visible through `at(1)` and iteration.
 * A container only: it has no forward of its own.
 *
 * @example
 * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 * for (const layer of layers) h = layer.call(h);
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<[], never> {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /** Adds `module` under the next index and returns this list. */
  append(module: M): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  /** The item at position `i` (negative counts from the end). */
  at(i: number): M {
    const n = this.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new Error(`ModuleList.at: index ${i} out of range for ${n} modules`);
    }
    return this.child<M>(String(j));
  }

  *[Symbol.iterator](): Iterator<M> {
    for (const m of this.children()) yield m as M;
  }

  forward(): never {
    throw new Error('ModuleList is a container and has no forward; call its items');
  }
}

brandClass(ModuleList, 'nn.ModuleList');
