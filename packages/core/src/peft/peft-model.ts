import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Module, type OptimizerStepInfo, type TrainingHooks } from '../nn/index.js';
import { ensureBackend } from '../runtime/backend.js';
import type { AdapterEntry } from './adapter-entry.js';
import { type AdapterRouting, validateAdapterName } from './adapter-layer.js';
import { withAdapterNames } from './adapter-routing.js';
import type { PeftConfig } from './config.js';
import type { PeftConfigInput } from './config-map.js';
import { type DefaultTargetTable, resolvePeftDefaults } from './defaults.js';
import { isPromptAware, type PeftMethod } from './method.js';
import { ModulesToSaveWrapper, wrapModulesToSave } from './modules-to-save.js';
import type { Placement } from './placement.js';
import { type PeftMethodLookup, registeredPeftMethods } from './registry.js';
import {
  type AdapterStore,
  adapterTensors,
  type LoadAdapterOptions,
  loadAdapter,
  saveAdapters,
} from './save-load.js';
import { adapterLayers } from './tuner.js';
import { unloadAdapters } from './unload.js';
import { addWeightedAdapter } from './weighted-adapter.js';

export interface PeftModelOptions {
  /** The architecture's role map; needed for `targetRoles`. */
  placement?: Placement;
  /**
   * The architecture's default targets per method (a plugin's `PlacementContribution.defaults`),
   * used by `resolvePeftDefaults` for configs that name no targets.
   */
  defaults?: DefaultTargetTable;
  /**
   * Where methods are found by `peftType` (default: `registeredPeftMethods`). A plugin host's
   * `peftMethods` adds its plugins' methods.
   */
  methods?: PeftMethodLookup;
  /** Receives warnings (unmatched targets, ...). Default: `console.warn`. */
  warn?: (message: string) => void;
}

/** Holds the adapted model under `model`, so full state-dict keys read `base_model.model.<path>` as in HF. */
class TunerRoot extends Module<unknown[], tf.TensorContainer> {
  constructor(model: AnyModule) {
    super();
    this.registerModule('model', model);
  }
  get model(): AnyModule {
    return this.child('model');
  }
  forward(...inputs: unknown[]): tf.TensorContainer {
    return this.model.forward(...inputs);
  }
}

/**
 * A model with named adapters, after HF PEFT's `PeftModel`: add, activate, delete, disable, merge
 * and save adapters. The base model's parameters are frozen; only the active adapters' (and
 * `modulesToSave` copies') parameters train.
 *
 * @example
 * const peft = getPeftModel(model, { peftType: 'LORA', r: 8, targetModules: ['query', 'value'] });
 * peft.printTrainableParameters();
 * await peft.savePretrained('out/adapter');
 */
export class PeftModel<I extends unknown[] = unknown[], O extends tf.TensorContainer = tf.TensorContainer>
  extends Module<I, O>
  implements TrainingHooks
{
  private readonly adapters = new Map<string, AdapterEntry>();
  private active: string[] = [];
  private readonly routing: AdapterRouting = { adapterNames: undefined };
  /** True inside `disableAdapter` (read by methods through `syncState` and by `forward`). */
  private adaptersDisabled = false;
  readonly placement: Placement | undefined;
  private readonly defaults: DefaultTargetTable | undefined;
  private readonly methods: PeftMethodLookup;
  private readonly warn: (message: string) => void;

  constructor(model: Module<I, O>, options: PeftModelOptions = {}) {
    super();
    if (model instanceof PeftModel)
      throw new Error('getPeftModel: the model is already a PeftModel; use addAdapter');
    this.registerModule('base_model', new TunerRoot(model));
    this.placement = options.placement;
    this.defaults = options.defaults;
    this.methods = options.methods ?? registeredPeftMethods;
    this.warn = options.warn ?? ((m) => console.warn(`peftkit: ${m}`));
  }

  /** The adapted model (its layers include the adapter wrappers). */
  get model(): Module<I, O> {
    return this.child<TunerRoot>('base_model').model as Module<I, O>;
  }

  forward(...inputs: I): O {
    const model = this.model;
    const count = this.virtualTokenCount();
    // Prompt tuning lengthens the sequence after the embedding; a PromptAware model adjusts its
    // other per-position inputs (masks, positions) to match.
    if (count > 0 && isPromptAware(model))
      return model.forward(...(model.withVirtualTokens(inputs, count) as I));
    return model.forward(...inputs);
  }

  /** Virtual tokens the active adapters prepend to the embedding output (0 while disabled). */
  private virtualTokenCount(): number {
    if (this.adaptersDisabled) return 0;
    let count = 0;
    for (const name of this.active) {
      const e = this.adapters.get(name);
      if (e?.method.virtualTokens) count += e.method.virtualTokens(e.config);
    }
    return count;
  }

  /**
   * Runs the model with one adapter per batch row (`'__base__'` = no adapter), as HF's
   * `adapter_names` argument. Inference only: rows are combined by masks.
   */
  callWithAdapterNames(adapterNames: readonly string[], ...inputs: I): O {
    return withAdapterNames(
      this.routing,
      adapterNames,
      this.active,
      (n) => this.adapters.get(n),
      () => this.call(...inputs),
    );
  }

  get peftConfig(): ReadonlyMap<string, Readonly<PeftConfig>> {
    return new Map([...this.adapters].map(([k, v]) => [k, v.config]));
  }

  get activeAdapters(): readonly string[] {
    return this.active;
  }

  get activeAdapter(): string | undefined {
    return this.active[0];
  }

  adapterNames(): string[] {
    return [...this.adapters.keys()];
  }

  /** Module paths adapter `name` was injected into. */
  targetsOf(name: string): readonly string[] {
    return this.entry(name).targets;
  }

  private entry(name: string): AdapterEntry {
    const e = this.adapters.get(name);
    if (!e)
      throw new Error(
        `unknown adapter '${name}'; this model has: ${this.adapterNames().join(', ') || 'none'}`,
      );
    return e;
  }

  /**
   * Adds adapter `name`. The first adapter becomes active; later ones are added inactive (and
   * frozen) until `setAdapter` selects them, as in HF PEFT.
   */
  addAdapter(name: string, config: PeftConfigInput): this {
    return this.addAdapterFrom(name, config, {});
  }

  /** `addAdapter` for configs from files and methods (checked by the method's schema only). */
  private addAdapterFrom(
    name: string,
    config: Readonly<Record<string, unknown>>,
    extraFileKeys: Record<string, unknown>,
  ): this {
    validateAdapterName(name);
    if (this.adapters.has(name)) throw new Error(`adapter '${name}' already exists`);
    const peftType = (config as { peftType?: unknown }).peftType;
    if (typeof peftType !== 'string') throw new Error("PEFT config: 'peftType' is required (e.g. 'LORA')");
    const method = this.methods.get(peftType);
    const given = method.config.parse(config);
    const supports = this.placement?.supports;
    if (supports && !supports.includes(method.peftType)) {
      throw new Error(
        `architecture '${this.placement?.architecture}' does not support ${method.peftType} (supports: ${supports.join(', ')})`,
      );
    }
    const parsed = resolvePeftDefaults(method, given, {
      placement: this.placement,
      architectureDefaults: this.defaults,
    });
    const { targets, fileConfig = {} } = method.inject(
      { model: this.model, placement: this.placement, routing: this.routing, warn: this.warn },
      parsed,
      name,
    );
    const modulesToSave = wrapModulesToSave(
      this.model,
      this.routing,
      parsed.modulesToSave ?? [],
      name,
      this.warn,
    );
    this.adapters.set(name, { config: parsed, method, targets, fileConfig, modulesToSave, extraFileKeys });
    if (this.active.length === 0) this.active = [name];
    this.applyTrainability();
    return this;
  }

  /**
   * Freezes everything, then unfreezes the active adapters (and whatever their methods mark
   * trainable, e.g. biases for BitFit). Decided structurally through adapter layers, never by
   * parameter-name tests.
   */
  private applyTrainability(): void {
    this.syncMethods();
    for (const p of this.parameters()) p.trainable = false;
    for (const [, layer] of adapterLayers(this.model)) {
      const trainable = this.active.some((n) => !this.adapters.get(n)?.config.inferenceMode);
      layer.setActiveAdapters(this.active, { trainable });
    }
    for (const name of this.active) {
      const e = this.adapters.get(name);
      if (e && !e.config.inferenceMode) e.method.markTrainable?.(this.model, e.config, name);
    }
  }

  /**
   * Tells methods with `syncState` (in-place and single-active methods) the active adapters and
   * the disabled state, once per method.
   */
  private syncMethods(): void {
    const seen = new Set<PeftMethod>();
    for (const e of this.adapters.values()) {
      if (!e.method.syncState || seen.has(e.method)) continue;
      seen.add(e.method);
      e.method.syncState(this.model, { active: this.active, disabled: this.adaptersDisabled });
    }
  }

  /** Activates one adapter or several (their outputs add up). */
  setAdapter(names: string | readonly string[]): void {
    const list = typeof names === 'string' ? [names] : [...names];
    if (list.length === 0) throw new Error('setAdapter: give at least one adapter name');
    for (const n of list) this.entry(n);
    const previous = this.active;
    this.active = list;
    try {
      this.syncMethods();
    } catch (err) {
      // A method refused (e.g. two in-place adapters at once): go back to the previous state.
      this.active = previous;
      this.syncMethods();
      throw err;
    }
    this.applyTrainability();
  }

  deleteAdapter(name: string): void {
    const e = this.entry(name);
    e.method.remove(this.model, name);
    for (const [p, layer] of adapterLayers(this.model)) {
      if (layer instanceof ModulesToSaveWrapper && layer.hasAdapter(name)) {
        layer.deleteAdapter(name);
        if (layer.adapterNames().length === 0) this.model.setSubmodule(p, layer.base);
      }
    }
    this.adapters.delete(name);
    this.active = this.active.filter((n) => n !== name);
    if (this.active.length === 0 && this.adapters.size) this.active = [this.adapterNames()[0] as string];
    this.applyTrainability();
  }

  /**
   * Adds adapter `adapterName` as a weighted combination of existing adapters of one method, as
   * HF's `add_weighted_adapter` (LoRA: `combinationType` `'linear' | 'cat' | 'svd'`, option
   * `svdRank`). The new adapter is added inactive; activate it with `setAdapter`. A module kept
   * whole by `modulesToSave` may belong to at most one of the sources; its trained copy is
   * carried over to the new adapter.
   *
   * @example
   * peft.addWeightedAdapter(['a', 'b'], [0.7, 0.3], 'mix', 'cat');
   * peft.setAdapter('mix');
   */
  addWeightedAdapter(
    adapters: readonly string[],
    weights: readonly number[],
    adapterName: string,
    combinationType = 'svd',
    options: Readonly<Record<string, unknown>> = {},
  ): void {
    const host = {
      model: this.model,
      hasAdapter: (n: string) => this.adapters.has(n),
      entry: (n: string) => this.entry(n),
      addAdapter: (n: string, config: Readonly<Record<string, unknown>>) =>
        this.addAdapterFrom(n, config, {}),
      deleteAdapter: (n: string) => this.deleteAdapter(n),
    };
    addWeightedAdapter(host, adapters, weights, adapterName, combinationType, options);
  }

  /**
   * Runs `fn` with every adapter switched off (merged ones are unmerged and re-merged after).
   * When `fn` returns a promise, the adapters come back once it settles.
   */
  disableAdapter<T>(fn: () => T): T {
    this.adaptersDisabled = true;
    try {
      this.syncMethods();
    } catch (err) {
      this.adaptersDisabled = false;
      throw err;
    }
    const layers = adapterLayers(this.model).map(([, l]) => l);
    const remerge = layers.map((l) => [...l.mergedAdapters]);
    for (const l of layers) {
      l.unmerge();
      l.setDisabled(true);
    }
    const restore = () => {
      layers.forEach((l, i) => {
        l.setDisabled(false);
        const names = remerge[i] ?? [];
        if (names.length) l.merge(names);
      });
      this.adaptersDisabled = false;
      this.syncMethods();
    };
    let result: T;
    try {
      result = fn();
    } catch (err) {
      restore();
      throw err;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  }

  /** Merges the given (default: active) adapters into the base weights. */
  merge(names: readonly string[] = this.active, options: { safeMerge?: boolean } = {}): void {
    for (const n of names) {
      const e = this.entry(n);
      if (!e.method.mergeable)
        throw new Error(`${e.method.peftType} adapter '${n}' cannot be merged into the base weights`);
    }
    for (const [, layer] of adapterLayers(this.model)) {
      if (!(layer instanceof ModulesToSaveWrapper))
        layer.merge(
          names.filter((n) => layer.hasAdapter(n)),
          options,
        );
    }
  }

  unmerge(): void {
    for (const [, layer] of adapterLayers(this.model)) layer.unmerge();
  }

  /**
   * Merges the active adapters and returns the plain model: adapter layers replaced by their
   * (updated) base modules, `modulesToSave` by the active copy. This PeftModel is unusable after.
   */
  mergeAndUnload(options: { safeMerge?: boolean } = {}): Module<I, O> {
    this.merge(this.active, options);
    return this.unloadModel(true);
  }

  /**
   * Returns the plain model without merging; adapter parameters are disposed. In-place methods
   * (BitFit, SELECTIVE) put the original base values back.
   */
  unload(): Module<I, O> {
    return this.unloadModel(false);
  }

  private unloadModel(merged: boolean): Module<I, O> {
    const model = this.model;
    unloadAdapters(model, this.adapters.values(), this.active, merged);
    this.adapters.clear();
    this.active = [];
    return model;
  }

  /**
   * Disposes the model with its adapters: every parameter and buffer of the tree, and what
   * methods keep outside it (in-place methods' originals and stashes, adapter layers' pre-merge
   * copies). Neither this PeftModel nor its base can be used afterwards.
   */
  override dispose(): void {
    const model = this.model;
    const released = new Set<PeftMethod>();
    for (const e of this.adapters.values()) {
      if (!e.method.releaseState || released.has(e.method)) continue;
      released.add(e.method);
      // `keep`: nothing is written back, the base is about to go.
      e.method.releaseState(model, true);
    }
    const layers = adapterLayers(model).map(([, l]) => l);
    super.dispose();
    for (const l of layers) l.releaseAdapters();
    this.adapters.clear();
    this.active = [];
  }

  /**
   * The active adapters that train (not `inferenceMode`, adapters not disabled) whose method has
   * training hooks: the ones `TrainingHooks` calls reach.
   */
  private trainingAdapters(): { name: string; e: AdapterEntry }[] {
    if (this.adaptersDisabled) return [];
    const out: { name: string; e: AdapterEntry }[] = [];
    for (const name of this.active) {
      const e = this.adapters.get(name);
      if (e?.method.training && !e.config.inferenceMode) out.push({ name, e });
    }
    return out;
  }

  /** `TrainingHooks`: tells the training adapters' methods that training starts. */
  onTrainBegin(info: { readonly totalSteps: number | undefined }): void {
    for (const { name, e } of this.trainingAdapters())
      e.method.training?.begin?.({ model: this.model, adapterName: name, config: e.config }, info);
  }

  /** `TrainingHooks`: the sum of the training adapters' loss terms (AdaLoRA's regulariser), if any. */
  trainingLoss(): tf.Scalar | undefined {
    const terms: tf.Scalar[] = [];
    for (const { name, e } of this.trainingAdapters()) {
      const t = e.method.training?.loss?.({ model: this.model, adapterName: name, config: e.config });
      if (t) terms.push(t);
    }
    if (terms.length === 0) return undefined;
    return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
  }

  /** `TrainingHooks`: hands each optimizer step's gradients to the training adapters' methods. */
  onOptimizerStep(info: OptimizerStepInfo): void {
    for (const { name, e } of this.trainingAdapters())
      e.method.training?.afterStep?.({ model: this.model, adapterName: name, config: e.config }, info);
  }

  /** Trainable and total parameter counts (total includes adapters, as HF counts). */
  getNbTrainableParameters(): { trainable: number; total: number } {
    return { trainable: this.numParameters({ trainableOnly: true }), total: this.numParameters() };
  }

  /** HF's one-line summary; also returned. */
  printTrainableParameters(log: (line: string) => void = console.log): string {
    const { trainable, total } = this.getNbTrainableParameters();
    const line = `trainable params: ${trainable.toLocaleString('en-US')} || all params: ${total.toLocaleString('en-US')} || trainable%: ${((100 * trainable) / Math.max(total, 1)).toFixed(4)}`;
    log(line);
    return line;
  }

  /** Parameters adapter `name` saves, keyed as in `adapter_model.safetensors` (without the prefix). */
  adapterStateDict(name: string) {
    return adapterTensors(this.model, name, this.entry(name), false);
  }

  /**
   * Writes each adapter in HF PEFT's layout: `adapter_config.json` + `adapter_model.safetensors`
   * (+ `peftkit.json`), the `default` adapter in `dir`, others in `dir/<name>`.
   */
  async savePretrained(dir: string, options: { selectedAdapters?: readonly string[] } = {}): Promise<void> {
    await saveAdapters(this.store(), dir, options.selectedAdapters ?? this.adapterNames());
  }

  /** Adds adapter `name` from a directory written by `savePretrained` (or by HF PEFT). */
  async loadAdapter(dir: string, name: string, options: LoadAdapterOptions = {}): Promise<void> {
    await loadAdapter(this.store(), dir, name, options);
  }

  /** This model as save/load see it. */
  private store(): AdapterStore {
    return {
      model: this.model,
      placement: this.placement,
      methods: this.methods,
      entry: (n) => this.entry(n),
      addAdapter: (n, config, extraFileKeys) => {
        this.addAdapterFrom(n, config, extraFileKeys);
      },
      deleteAdapter: (n) => this.deleteAdapter(n),
    };
  }

  /**
   * Wraps `model` and loads the adapter in `dir` (HF's `PeftModel.from_pretrained`). As in HF, the
   * result is in eval mode (dropout off, so predictions are deterministic) unless `isTrainable`,
   * which leaves the model's mode as it was; call `.train()` before training it.
   */
  static async fromPretrained<I extends unknown[], O extends tf.TensorContainer>(
    model: Module<I, O>,
    dir: string,
    options: PeftModelOptions & { adapterName?: string; isTrainable?: boolean } = {},
  ): Promise<PeftModel<I, O>> {
    await ensureBackend();
    const peft = new PeftModel(model, options);
    await peft.loadAdapter(dir, options.adapterName ?? 'default', {
      isTrainable: options.isTrainable ?? false,
    });
    if (!options.isTrainable) peft.eval();
    return peft;
  }
}

/** Wraps `model` with a first adapter (HF's `get_peft_model`). */
export function getPeftModel<I extends unknown[], O extends tf.TensorContainer>(
  model: Module<I, O>,
  config: PeftConfigInput,
  options: PeftModelOptions & { adapterName?: string } = {},
): PeftModel<I, O> {
  return new PeftModel(model, options).addAdapter(options.adapterName ?? 'default', config);
}
