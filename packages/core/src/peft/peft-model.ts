import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { type AnyModule, Module } from '../nn/index.js';
import {
  ADAPTER_FILES,
  adapterDir,
  readAdapterConfig,
  readAdapterWeights,
  tunerKey,
  writeAdapterConfig,
  writeAdapterWeights,
} from './adapter-file.js';
import { AdapterLayer, type AdapterRouting, BASE_ADAPTER, validateAdapterName } from './adapter-layer.js';
import type { PeftConfig } from './config.js';
import { isPromptAware, type PeftMethod } from './method.js';
import { ModulesToSaveWrapper } from './modules-to-save.js';
import type { Placement } from './placement.js';
import { getPeftMethod } from './registry.js';
import { candidateModules, matchesNameOrSuffix } from './targets.js';
import { adapterLayers } from './tuner.js';

export interface PeftModelOptions {
  /** The architecture's role map; needed for `targetRoles`. */
  placement?: Placement;
  /** Receives warnings (unmatched targets, ...). Default: `console.warn`. */
  warn?: (message: string) => void;
}

interface AdapterEntry {
  config: Readonly<PeftConfig>;
  method: PeftMethod;
  targets: string[];
  /** Method-resolved fields written to `adapter_config.json` (see `InjectReport.fileConfig`). */
  fileConfig: Readonly<Record<string, unknown>>;
  modulesToSave: string[];
  extraFileKeys: Record<string, unknown>;
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
export class PeftModel<
  I extends unknown[] = unknown[],
  O extends tf.TensorContainer = tf.TensorContainer,
> extends Module<I, O> {
  private readonly adapters = new Map<string, AdapterEntry>();
  private active: string[] = [];
  private readonly routing: AdapterRouting = { adapterNames: undefined };
  /** True inside `disableAdapter` (read by methods through `syncState` and by `forward`). */
  private adaptersDisabled = false;
  readonly placement: Placement | undefined;
  private readonly warn: (message: string) => void;

  constructor(model: Module<I, O>, options: PeftModelOptions = {}) {
    super();
    if (model instanceof PeftModel)
      throw new Error('getPeftModel: the model is already a PeftModel; use addAdapter');
    this.registerModule('base_model', new TunerRoot(model));
    this.placement = options.placement;
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
    for (const n of adapterNames) {
      if (n !== '__base__' && !this.adapters.has(n)) throw new Error(`adapterNames: unknown adapter '${n}'`);
    }
    // Methods that change the base in place or the sequence length cannot serve rows separately.
    for (const n of new Set([...adapterNames, ...this.active])) {
      const e = n === BASE_ADAPTER ? undefined : this.adapters.get(n);
      if (e?.method.perExampleRouting === false) {
        throw new Error(
          `adapterNames: ${e.method.peftType} adapter '${n}' cannot be routed per example; run it on its own (setAdapter)`,
        );
      }
    }
    this.routing.adapterNames = adapterNames;
    try {
      return this.call(...inputs);
    } finally {
      this.routing.adapterNames = undefined;
    }
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
  addAdapter(
    name: string,
    config: Readonly<Record<string, unknown>> | Readonly<PeftConfig>,
    extraFileKeys: Record<string, unknown> = {},
  ): this {
    validateAdapterName(name);
    if (this.adapters.has(name)) throw new Error(`adapter '${name}' already exists`);
    const peftType = (config as { peftType?: unknown }).peftType;
    if (typeof peftType !== 'string') throw new Error("PEFT config: 'peftType' is required (e.g. 'LORA')");
    const method = getPeftMethod(peftType);
    const parsed = method.config.parse(config);
    const supports = this.placement?.supports;
    if (supports && !supports.includes(method.peftType)) {
      throw new Error(
        `architecture '${this.placement?.architecture}' does not support ${method.peftType} (supports: ${supports.join(', ')})`,
      );
    }
    const { targets, fileConfig = {} } = method.inject(
      { model: this.model, placement: this.placement, routing: this.routing, warn: this.warn },
      parsed,
      name,
    );
    const modulesToSave = this.wrapModulesToSave(parsed.modulesToSave ?? [], name);
    this.adapters.set(name, { config: parsed, method, targets, fileConfig, modulesToSave, extraFileKeys });
    if (this.active.length === 0) this.active = [name];
    this.applyTrainability();
    return this;
  }

  private wrapModulesToSave(patterns: readonly string[], name: string): string[] {
    if (patterns.length === 0) return [];
    const wrapped: string[] = [];
    for (const [p, m] of candidateModules(this.model)) {
      if (!patterns.some((pat) => matchesNameOrSuffix(p, pat))) continue;
      if (m instanceof AdapterLayer && !(m instanceof ModulesToSaveWrapper)) {
        throw new Error(
          `modulesToSave: '${p}' is already adapted by ${m.typeName}; a module is either adapted or saved whole`,
        );
      }
      const wrapper = m instanceof ModulesToSaveWrapper ? m : new ModulesToSaveWrapper(m, this.routing);
      if (wrapper !== m) this.model.setSubmodule(p, wrapper);
      wrapper.addAdapter(name);
      wrapped.push(p);
    }
    const unmatched = patterns.filter((pat) => !wrapped.some((p) => matchesNameOrSuffix(p, pat)));
    if (unmatched.length) this.warn(`modulesToSave: no module matched ${unmatched.join(', ')}`);
    return wrapped;
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
    validateAdapterName(adapterName);
    if (this.adapters.has(adapterName))
      throw new Error(`addWeightedAdapter: adapter '${adapterName}' already exists`);
    if (adapters.length === 0) throw new Error('addWeightedAdapter: give at least one source adapter');
    if (weights.length !== adapters.length || weights.some((w) => !Number.isFinite(w))) {
      throw new Error(
        `addWeightedAdapter: need one finite weight per adapter (${adapters.length} adapters, weights [${weights.join(', ')}])`,
      );
    }
    const entries = adapters.map((n) => this.entry(n));
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
    const saved = new Map<ModulesToSaveWrapper, string>();
    for (const [p, layer] of adapterLayers(this.model)) {
      if (!(layer instanceof ModulesToSaveWrapper)) continue;
      const owners = adapters.filter((n) => layer.hasAdapter(n));
      if (owners.length > 1) {
        throw new Error(
          `addWeightedAdapter: '${p}' is saved whole (modulesToSave) by several of the adapters (${owners.join(', ')}); such copies cannot be combined`,
        );
      }
      if (owners.length === 1) saved.set(layer, owners[0] as string);
    }
    try {
      method.addWeightedAdapter({
        model: this.model,
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
          this.addAdapter(adapterName, config);
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
      if (this.adapters.has(adapterName)) this.deleteAdapter(adapterName);
      throw err;
    }
  }

  /** Runs `fn` with every adapter switched off (merged ones are unmerged and re-merged after). */
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
    try {
      return fn();
    } finally {
      layers.forEach((l, i) => {
        l.setDisabled(false);
        const names = remerge[i] ?? [];
        if (names.length) l.merge(names);
      });
      this.adaptersDisabled = false;
      this.syncMethods();
    }
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
    // First, so a method that cannot restore the base refuses before anything changed.
    const released = new Set<PeftMethod>();
    for (const e of this.adapters.values()) {
      if (!e.method.releaseInPlace || released.has(e.method)) continue;
      released.add(e.method);
      e.method.releaseInPlace(this.model, merged);
    }
    for (const [p, layer] of adapterLayers(this.model)) {
      let replacement = layer.base;
      if (layer instanceof ModulesToSaveWrapper) {
        const name = this.active.find((n) => layer.hasAdapter(n));
        if (name) replacement = layer.copyFor(name);
      }
      this.model.setSubmodule(p, replacement);
      for (const n of layer.adapterNames())
        for (const param of layer.adapterParameters(n))
          if (!replacement.parameters().includes(param)) param.dispose();
    }
    const model = this.model;
    for (const p of model.parameters()) p.trainable = true;
    this.adapters.clear();
    this.active = [];
    return model;
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
    return this.adapterTensors(name, false);
  }

  /** `adapterStateDict`, or with `forLoad` the parameters a file is loaded into (`loadTargets`). */
  private adapterTensors(name: string, forLoad: boolean) {
    const e = this.entry(name);
    const out =
      forLoad && e.method.loadTargets
        ? e.method.loadTargets(this.model, name, e.config)
        : e.method.adapterParameters(this.model, name, e.config);
    for (const [p, layer] of adapterLayers(this.model)) {
      if (!(layer instanceof ModulesToSaveWrapper) || !layer.hasAdapter(name)) continue;
      for (const [k, param] of layer.adapterParametersByKey(name)) {
        const key = k ? `${p}.${k}` : p;
        // HF's prompt-learning PeftModel has no tuner wrapper: its copies live at `base_model.<path>`.
        out.set(e.method.promptLearning ? tunerKey(key) : key, param);
      }
    }
    return out;
  }

  /**
   * Writes each adapter in HF PEFT's layout: `adapter_config.json` + `adapter_model.safetensors`
   * (+ `peftkit.json`), the `default` adapter in `dir`, others in `dir/<name>`.
   */
  async savePretrained(dir: string, options: { selectedAdapters?: readonly string[] } = {}): Promise<void> {
    const names = options.selectedAdapters ?? this.adapterNames();
    for (const name of names) {
      const e = this.entry(name);
      const out = adapterDir(dir, name);
      const usesResolved =
        e.config.targetRoles?.length ||
        e.config.targetModules === 'all-linear' ||
        e.config.targetModules === undefined;
      const fileConfig = e.method.config.toFile(
        {
          ...e.config,
          ...(usesResolved ? { targetModules: compactTargets(this.model, e.targets) } : {}),
          ...e.fileConfig,
          inferenceMode: true,
        },
        e.extraFileKeys,
      );
      await writeAdapterConfig(out, fileConfig, {
        format: 'peftkit-adapter',
        version: 1,
        adapterName: name,
        peftType: e.method.peftType,
        ...(this.placement ? { architecture: this.placement.architecture } : {}),
        ...(e.config.targetRoles ? { targetRoles: [...e.config.targetRoles] } : {}),
        targets: [...e.targets],
        modulesToSave: e.modulesToSave,
      });
      await writeAdapterWeights(path.join(out, ADAPTER_FILES.weights), this.adapterStateDict(name));
    }
  }

  /** Adds adapter `name` from a directory written by `savePretrained` (or by HF PEFT). */
  async loadAdapter(dir: string, name: string, options: { isTrainable?: boolean } = {}): Promise<void> {
    validateAdapterName(name);
    const { fileConfig, sidecar } = await readAdapterConfig(dir);
    const method = getPeftMethod(String(fileConfig['peft_type']));
    const { config, extraFileKeys } = method.config.fromFile(
      fileConfig,
      path.join(dir, ADAPTER_FILES.config),
    );
    if (sidecar?.architecture && this.placement && sidecar.architecture !== this.placement.architecture) {
      throw new Error(
        `${dir}: adapter was trained on architecture '${sidecar.architecture}', this model is '${this.placement.architecture}'`,
      );
    }
    // Inject exactly where the adapter was trained when the sidecar says so; roles need not resolve again.
    const targeting = sidecar ? { targetModules: [...sidecar.targets], targetRoles: undefined } : {};
    this.addAdapter(name, { ...config, ...targeting, inferenceMode: !options.isTrainable }, extraFileKeys);
    try {
      await readAdapterWeights(path.join(dir, ADAPTER_FILES.weights), this.adapterTensors(name, true));
    } catch (err) {
      this.deleteAdapter(name);
      throw err;
    }
  }

  /** Wraps `model` and loads the adapter in `dir` (HF's `PeftModel.from_pretrained`). */
  static async fromPretrained<I extends unknown[], O extends tf.TensorContainer>(
    model: Module<I, O>,
    dir: string,
    options: PeftModelOptions & { adapterName?: string; isTrainable?: boolean } = {},
  ): Promise<PeftModel<I, O>> {
    const peft = new PeftModel(model, options);
    await peft.loadAdapter(dir, options.adapterName ?? 'default', {
      isTrainable: options.isTrainable ?? false,
    });
    return peft;
  }
}

/** Wraps `model` with a first adapter (HF's `get_peft_model`). */
export function getPeftModel<I extends unknown[], O extends tf.TensorContainer>(
  model: Module<I, O>,
  config: Readonly<Record<string, unknown>>,
  options: PeftModelOptions & { adapterName?: string } = {},
): PeftModel<I, O> {
  return new PeftModel(model, options).addAdapter(options.adapterName ?? 'default', config);
}

/**
 * The shortest portable form of resolved targets: their last path segments (`["query",
 * "value"]`) when suffix-matching those names selects exactly the same modules, as HF PEFT users
 * write them; otherwise the full paths.
 */
export function compactTargets(model: AnyModule, targets: readonly string[]): string[] {
  const names = [...new Set(targets.map((t) => t.split('.').pop() ?? t))].sort();
  const selected = candidateModules(model)
    .map(([p]) => p)
    .filter((p) => names.some((n) => matchesNameOrSuffix(p, n)));
  const wanted = new Set(targets);
  const same = selected.length === wanted.size && selected.every((p) => wanted.has(p));
  return same ? names : [...targets];
}
