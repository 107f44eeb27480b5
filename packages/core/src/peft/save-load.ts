import * as path from 'node:path';
import type { AnyModule, Parameter } from '../nn/index.js';
import type { AdapterEntry } from './adapter-entry.js';
import {
  ADAPTER_FILES,
  adapterDir,
  readAdapterConfig,
  readAdapterWeights,
  tunerKey,
  writeAdapterConfig,
  writeAdapterWeights,
} from './adapter-file.js';
import { validateAdapterName } from './adapter-layer.js';
import { fitModulesToSave, ModulesToSaveWrapper } from './modules-to-save.js';
import type { Placement } from './placement.js';
import type { PeftMethodLookup } from './registry.js';
import { candidateModules, matchesNameOrSuffix } from './targets.js';
import { adapterLayers } from './tuner.js';

/** The parts of a `PeftModel` that saving and loading its adapters work on. */
export interface AdapterStore {
  readonly model: AnyModule;
  readonly placement: Placement | undefined;
  /** Where the file's `peft_type` is looked up. */
  readonly methods: PeftMethodLookup;
  /** The entry of adapter `name`; throws for an unknown name. */
  entry(name: string): AdapterEntry;
  addAdapter(
    name: string,
    config: Readonly<Record<string, unknown>>,
    extraFileKeys: Record<string, unknown>,
  ): void;
  deleteAdapter(name: string): void;
}

/**
 * Parameters adapter `name` saves, keyed as in `adapter_model.safetensors` (without the prefix);
 * with `forLoad`, the parameters a file is loaded into (`PeftMethod.loadTargets`).
 */
export function adapterTensors(
  model: AnyModule,
  name: string,
  e: AdapterEntry,
  forLoad: boolean,
  own?: Map<string, Parameter>,
): Map<string, Parameter> {
  const out =
    own ??
    (forLoad && e.method.loadTargets
      ? e.method.loadTargets(model, name, e.config)
      : e.method.adapterParameters(model, name, e.config));
  for (const [p, layer] of adapterLayers(model)) {
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
 * Writes each named adapter in HF PEFT's layout: `adapter_config.json` +
 * `adapter_model.safetensors` (+ `peftkit.json`), the `default` adapter in `dir`, others in
 * `dir/<name>`.
 */
export async function saveAdapters(
  store: AdapterStore,
  dir: string,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    const e = store.entry(name);
    const out = adapterDir(dir, name);
    const usesResolved =
      e.config.targetRoles?.length ||
      e.config.targetModules === 'all-linear' ||
      e.config.targetModules === undefined;
    const fileConfig = e.method.config.toFile(
      {
        ...e.config,
        ...(usesResolved ? { targetModules: compactTargets(store.model, e.targets) } : {}),
        ...e.fileConfig,
        ...e.method.savedConfig?.(store.model, name, e.config),
        inferenceMode: true,
      },
      e.extraFileKeys,
    );
    await writeAdapterConfig(out, fileConfig, {
      format: 'peftkit-adapter',
      version: 1,
      adapterName: name,
      peftType: e.method.peftType,
      ...(store.placement ? { architecture: store.placement.architecture } : {}),
      ...(e.config.targetRoles ? { targetRoles: [...e.config.targetRoles] } : {}),
      targets: [...e.targets],
      modulesToSave: e.modulesToSave,
    });
    // A method whose file form differs from its live parameters hands over copies; freed below.
    const copies = e.method.saveTensors?.(store.model, name, e.config);
    try {
      await writeAdapterWeights(
        path.join(out, ADAPTER_FILES.weights),
        adapterTensors(store.model, name, e, false, copies && new Map(copies)),
      );
    } finally {
      for (const p of copies?.values() ?? []) p.dispose();
    }
  }
}

/** Adds adapter `name` to `store` from a directory written by `saveAdapters` (or by HF PEFT). */
/** Options of `loadAdapter` / `PeftModel.loadAdapter`. */
export interface LoadAdapterOptions {
  readonly isTrainable?: boolean;
  /**
   * Build the adapter's `modules_to_save` copies with the file's shapes where they differ (a
   * classifier of another task with another number of classes on the same base): a `Linear` in
   * a copy whose weight has another shape in the file is replaced by one of the file's shape.
   * Everything else must still match. Per-example routing pads the narrower outputs with zeros
   * to the widest (see `ModulesToSaveWrapper`); callers decode each row by its own width.
   */
  readonly headShapesFromFile?: boolean;
}

export async function loadAdapter(
  store: AdapterStore,
  dir: string,
  name: string,
  options: LoadAdapterOptions = {},
): Promise<void> {
  validateAdapterName(name);
  const { fileConfig, sidecar } = await readAdapterConfig(dir);
  const method = store.methods.get(String(fileConfig['peft_type']));
  const { config, extraFileKeys } = method.config.fromFile(fileConfig, path.join(dir, ADAPTER_FILES.config));
  const placement = store.placement;
  if (sidecar?.architecture && placement && sidecar.architecture !== placement.architecture) {
    throw new Error(
      `${dir}: adapter was trained on architecture '${sidecar.architecture}', this model is '${placement.architecture}'`,
    );
  }
  // Inject exactly where the adapter was trained when the sidecar says so; roles need not resolve again.
  const targeting = sidecar ? { targetModules: [...sidecar.targets], targetRoles: undefined } : {};
  store.addAdapter(name, { ...config, ...targeting, inferenceMode: !options.isTrainable }, extraFileKeys);
  try {
    const params = () => adapterTensors(store.model, name, store.entry(name), true);
    await readAdapterWeights(path.join(dir, ADAPTER_FILES.weights), params(), {
      ...(options.headShapesFromFile
        ? {
            fitShapes: (shapes: ReadonlyMap<string, readonly number[]>) => {
              fitModulesToSave(store.model, name, shapes);
              return params();
            },
          }
        : {}),
    });
  } catch (err) {
    store.deleteAdapter(name);
    throw err;
  }
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
