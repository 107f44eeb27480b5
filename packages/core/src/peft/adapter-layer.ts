import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Module, type Parameter, type TorchLayout } from '../nn/index.js';
import { checkSafeMerge } from './safe-merge.js';

/** Adapter name meaning "no adapter" in per-example routing. */
export const BASE_ADAPTER = '__base__';

/**
 * Per-call routing shared by every adapter layer of one `PeftModel`: when `adapterNames` is set
 * (one name per batch row), each row runs with its own adapter, `__base__` meaning none.
 */
export interface AdapterRouting {
  adapterNames: readonly string[] | undefined;
}

/** Rejects names that could escape a directory or break module paths. */
export function validateAdapterName(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(name) || name === BASE_ADAPTER) {
    throw new Error(
      `invalid adapter name '${name}': use letters, digits, '_' or '-' (no path separators, no '..', not '${BASE_ADAPTER}')`,
    );
  }
  return name;
}

/**
 * A wrapper that keeps the frozen `base_layer` plus, for each adapter part, a container keyed by
 * adapter name (`lora_A.default`, `lora_A.other`). Generic code (activate, delete, freeze,
 * merge bookkeeping, file key mapping) works through `adapterContainers` without knowing the
 * method. Subclasses implement `addAdapter`, the forward decision table and, if mergeable,
 * `deltaWeight`.
 */
export abstract class AdapterLayer<
  I extends unknown[] = [tf.Tensor],
  O extends tf.TensorContainer = tf.Tensor,
> extends Module<I, O> {
  /** Child names of the per-adapter containers, e.g. `['lora_A', 'lora_B']`. */
  abstract readonly adapterContainers: readonly string[];
  private active: string[] = [];
  private adaptersDisabled = false;
  private merged: string[] = [];
  protected readonly routing: AdapterRouting;

  constructor(base: AnyModule, routing: AdapterRouting) {
    super();
    this.registerModule('base_layer', base);
    this.routing = routing;
  }

  /** The wrapped (frozen) module. */
  get base(): AnyModule {
    return this.child('base_layer');
  }

  /** Adapters this layer holds (each appears in at least one container). */
  adapterNames(): string[] {
    const names = new Set<string>();
    for (const c of this.adapterContainers) {
      if (!this.hasSubmodule(c)) continue;
      for (const [name] of this.containerEntries(c)) names.add(name);
    }
    return [...names];
  }

  hasAdapter(name: string): boolean {
    return this.adapterNames().includes(name);
  }

  get activeAdapters(): readonly string[] {
    return this.active;
  }

  /**
   * Activates `names` (in order) and makes exactly their parameters trainable, as HF PEFT's
   * `set_adapter` does. Names this layer does not hold are kept in the list (another layer may
   * hold them) and skipped in forward.
   */
  setActiveAdapters(names: readonly string[], options: { trainable?: boolean } = {}): void {
    this.active = [...names];
    const trainable = options.trainable ?? true;
    for (const name of this.adapterNames()) {
      for (const p of this.adapterParameters(name)) {
        // Buffers an adapter owns (VeRA's frozen shared projections) never train.
        if (p.kind === 'buffer') continue;
        p.trainable = trainable && names.includes(name);
      }
    }
  }

  get disabled(): boolean {
    return this.adaptersDisabled;
  }

  setDisabled(disabled: boolean): void {
    this.adaptersDisabled = disabled;
  }

  get mergedAdapters(): readonly string[] {
    return this.merged;
  }

  get isMerged(): boolean {
    return this.merged.length > 0;
  }

  /** Parameters of one adapter across all containers. */
  adapterParameters(name: string): Parameter[] {
    const out: Parameter[] = [];
    for (const c of this.adapterContainers) {
      if (!this.hasSubmodule(c)) continue;
      for (const [n, item] of this.containerEntries(c)) {
        if (n !== name) continue;
        if (item instanceof Module) out.push(...item.parameters());
        else out.push(item);
      }
    }
    return out;
  }

  /**
   * Parameters of adapter `name` keyed relative to this layer as HF files name them: the
   * container name, then the path inside the adapter's entry (`lora_A.weight`, `ia3_l`).
   * Containers listed in `unprefixedContainers` contribute no name (HF's `modules_to_save`).
   */
  adapterParametersByKey(name: string): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    for (const c of this.adapterContainers) {
      if (!this.hasSubmodule(c)) continue;
      const head = this.unprefixedContainers.includes(c) ? '' : c;
      for (const [n, item] of this.containerEntries(c)) {
        if (n !== name) continue;
        if (item instanceof Module) {
          for (const [sub, p] of item.namedParameters()) out.set(head ? `${head}.${sub}` : sub, p);
          for (const [sub, p] of item.namedBuffers()) out.set(head ? `${head}.${sub}` : sub, p);
        } else out.set(head, item);
      }
    }
    return out;
  }

  /** Containers whose name is dropped from file keys. */
  protected readonly unprefixedContainers: readonly string[] = [];

  /** Adds adapter `name` with a validated method config. */
  abstract addAdapter(name: string, config: Readonly<Record<string, unknown>>): void;

  /** Removes adapter `name` from every container and disposes its parameters. */
  deleteAdapter(name: string): void {
    if (this.merged.includes(name))
      throw new Error(`cannot delete adapter '${name}' while it is merged; unmerge first`);
    for (const c of this.adapterContainers) {
      if (!this.hasSubmodule(c)) continue;
      const container = this.child(c);
      if (container instanceof AdapterContainerLike && container.has(name)) container.remove(name);
    }
    this.onDeleteAdapter(name);
    this.active = this.active.filter((n) => n !== name);
  }

  /**
   * Hook for per-adapter state kept outside containers (scalings, configs, pre-merge copies).
   * Runs when the adapter is deleted and when the layer leaves the model (`releaseAdapters`),
   * merged or not: it frees that state and must leave the base's values alone.
   */
  protected onDeleteAdapter(_name: string): void {}

  /**
   * Frees what every adapter of this layer keeps outside its containers (`onDeleteAdapter` for
   * each), without touching the base or the containers' parameters. Called when the layer leaves
   * the model for good: `unload` / `mergeAndUnload` (after the adapters' parameters are disposed)
   * and `PeftModel.dispose()`. The layer must not be used afterwards.
   */
  releaseAdapters(): void {
    for (const name of this.adapterNames()) this.onDeleteAdapter(name);
    this.active = [];
    this.merged = [];
  }

  /**
   * The weight update of adapter `name` in the base weight's memory layout, or `undefined` if
   * the method cannot be merged. The caller disposes the result.
   */
  deltaWeight(_name: string): tf.Tensor | undefined {
    return undefined;
  }

  /** The base parameter that merging updates (default: `base_layer.weight`). */
  protected mergeTarget(): Parameter {
    const entry = this.base.namedOwnParameters().find(([n]) => n === 'weight');
    if (!entry) throw new Error(`${this.typeName}: base ${this.base.typeName} has no 'weight' to merge into`);
    return entry[1];
  }

  /** Adds the adapters' deltas into the base weight. `safeMerge` checks for NaN/Inf first. */
  merge(names: readonly string[] = this.active, options: { safeMerge?: boolean } = {}): void {
    for (const name of names) {
      if (!this.hasAdapter(name) || this.merged.includes(name)) continue;
      this.mergeOne(name, 1, options.safeMerge ?? false);
      this.merged.push(name);
    }
  }

  /** Subtracts merged adapters in reverse order, restoring the base weight. */
  unmerge(): void {
    while (this.merged.length) {
      const name = this.merged[this.merged.length - 1] as string;
      this.mergeOne(name, -1, false);
      this.merged.pop();
    }
  }

  /** Applies `sign * delta` to the merge target; subclasses with non-additive merges override. */
  protected mergeOne(name: string, sign: 1 | -1, safe: boolean): void {
    const delta = this.deltaWeight(name);
    if (!delta) throw new Error(`${this.typeName}: adapter '${name}' cannot be merged into the base weights`);
    const target = this.mergeTarget();
    try {
      const next = tf.tidy(() => tf.add(target.value, sign === 1 ? delta : tf.neg(delta)));
      try {
        if (safe) checkSafeMerge(name, this.base.typeName, [next]);
        target.assign(next);
      } finally {
        next.dispose();
      }
    } finally {
      delta.dispose();
    }
  }

  /**
   * Adapters to apply on this call: none when disabled or merged (merged weights already carry
   * them), else the active ones this layer holds.
   */
  protected adaptersForCall(): string[] {
    if (this.adaptersDisabled || this.isMerged) return [];
    return this.active.filter((n) => this.hasAdapter(n));
  }

  /**
   * The checked per-row adapter names of this call (`routing.adapterNames`), or `undefined` when
   * routing is off. Throws when routing cannot apply (adapters disabled or merged, wrong length).
   */
  protected routedNames(batchSize: number): readonly string[] | undefined {
    const names = this.routing.adapterNames;
    if (!names) return undefined;
    if (this.adaptersDisabled || this.isMerged) {
      throw new Error('per-example adapterNames cannot be used while adapters are disabled or merged');
    }
    if (names.length !== batchSize) {
      throw new Error(`adapterNames has ${names.length} entries but the batch has ${batchSize} rows`);
    }
    return names;
  }

  /**
   * Rows of a routed call grouped by the adapter this layer applies to them, in first-seen
   * order: `BASE_ADAPTER` collects the rows without one here (`__base__`, or an adapter this
   * layer does not hold). `undefined` when routing is off.
   */
  protected routedGroups(batchSize: number): Map<string, number[]> | undefined {
    const names = this.routedNames(batchSize);
    if (!names) return undefined;
    const held = new Set(this.adapterNames());
    const groups = new Map<string, number[]>();
    for (const [i, n] of names.entries()) {
      const key = held.has(n) ? n : BASE_ADAPTER;
      const rows = groups.get(key);
      if (rows) rows.push(i);
      else groups.set(key, [i]);
    }
    return groups;
  }

  /**
   * Row masks for per-example routing: for each adapter named in `routing.adapterNames`, a
   * `[B]` float mask of the rows that use it. `undefined` when routing is off.
   */
  protected routedMasks(batchSize: number): Map<string, tf.Tensor1D> | undefined {
    const groups = this.routedGroups(batchSize);
    if (!groups) return undefined;
    const out = new Map<string, tf.Tensor1D>();
    for (const [name, rows] of groups) {
      if (name === BASE_ADAPTER) continue;
      const mask = new Float32Array(batchSize);
      for (const r of rows) mask[r] = 1;
      out.set(name, tf.tensor1d(mask, 'float32'));
    }
    return out;
  }

  private containerEntries(c: string): [string, AnyModule | Parameter][] {
    const container = this.child(c);
    if (container instanceof AdapterContainerLike) return container.entries();
    return [];
  }
}

/**
 * Common view of `ModuleDict`/`ParameterDict` for adapter bookkeeping. Implemented by
 * `AdapterModuleDict` and `AdapterParameterDict` below so that `AdapterLayer` can treat both
 * kinds of containers alike.
 */
export abstract class AdapterContainerLike extends Module<[], never> {
  abstract has(name: string): boolean;
  abstract entries(): [string, AnyModule | Parameter][];
  /** Removes and disposes `name`. */
  abstract remove(name: string): void;
  forward(): never {
    throw new Error(`${this.typeName} is a container and has no forward`);
  }
}

/** Per-adapter submodules (`lora_A.default` is a Linear). */
export class AdapterModuleDict<M extends AnyModule = AnyModule> extends AdapterContainerLike {
  has(name: string): boolean {
    return this.namedChildren().some(([k]) => k === name);
  }
  get(name: string): M {
    return this.child<M>(name);
  }
  set(name: string, module: M): M {
    return this.registerModule(name, module);
  }
  entries(): [string, AnyModule][] {
    return this.namedChildren();
  }
  remove(name: string): void {
    this.unregisterModule(name).dispose();
  }
}

/** Per-adapter parameters (`ia3_l.default` is a vector). */
export class AdapterParameterDict extends AdapterContainerLike {
  has(name: string): boolean {
    return this.namedOwnParameters().some(([k]) => k === name);
  }
  get(name: string): Parameter {
    const e = this.namedOwnParameters().find(([k]) => k === name);
    if (!e) throw new Error(`${this.typeName}: no adapter '${name}'`);
    return e[1];
  }
  /** `layout`: how the memory tensor maps to the file's (default identity). */
  init(name: string, make: () => tf.Tensor, trainable = true, layout?: TorchLayout): Parameter {
    return this.initParameter(name, make, { trainable, ...(layout ? { layout } : {}) });
  }
  entries(): [string, Parameter][] {
    return this.namedOwnParameters();
  }
  remove(name: string): void {
    this.unregisterParameter(name).dispose();
  }
}
