import type * as tf from '@tensorflow/tfjs';
import { type AnyModule, Parameter } from '../../../nn/index.js';
import type { ConfigSpec, PeftConfig } from '../../config.js';
import type { AdapterActivation, InjectContext, PeftMethod } from '../../method.js';
import { getModelState, setModelState } from '../../model-state.js';

/**
 * In-place methods (BITFIT, SELECTIVE) train parameters of the base model directly instead of
 * wrapping modules: the fastest and smallest way to train a subset of the base, and the only
 * honest "full fine-tuning" (no second copy of the model in the forward pass).
 *
 * The base parameters hold the values of one adapter at a time (the "loaded" one). To keep
 * several adapters, `disableAdapter` and `unload` honest, the engine keeps a copy of each touched
 * parameter's original value and, for every adapter that is not loaded, a stash of its values;
 * switching adapters swaps values in and out. `keepOriginals: false` skips the copy (full
 * fine-tuning of a large model): the model may then hold only that adapter, and everything that
 * would need the original values (disable, switching, unload without merge, delete) is refused.
 *
 * All in-place methods of one model share this bookkeeping, so a BITFIT and a SELECTIVE adapter
 * over the same biases cannot both be active (an error says so).
 *
 * Buffers of the modules whose parameters train (a BatchNorm's running statistics) belong to
 * the adapter too: training in train mode moves them, so they get originals and stashes like
 * the parameters, are saved with them and restored by `disableAdapter` / `unload`, as HF saves
 * a `modules_to_save` module whole. They never become trainable.
 */
interface AdapterRecord {
  method: string;
  /** The parameters that train. */
  params: Parameter[];
  /** `params` plus the buffers of their modules: every value the adapter owns in the base. */
  values: Parameter[];
  keepOriginals: boolean;
  /** Where the adapter's values are: in the base (`live`), equal to the originals, or stashed. */
  where: 'live' | 'original' | Map<Parameter, Parameter>;
}

interface ModelState {
  /** Original value of every touched parameter; `undefined` when `keepOriginals` was false. */
  originals: Map<Parameter, Parameter | undefined>;
  adapters: Map<string, AdapterRecord>;
  loaded: string | undefined;
}

/** Where the shared bookkeeping lives on the adapted model (see `getModelState`). */
const IN_PLACE_STATE = Symbol.for('peftkit.in-place-state');

const states = {
  get: (model: AnyModule) => getModelState<ModelState>(model, IN_PLACE_STATE),
  set: (model: AnyModule, state: ModelState) => setModelState(model, IN_PLACE_STATE, state),
  delete: (model: AnyModule) => setModelState(model, IN_PLACE_STATE, undefined),
};

/** What an in-place method trains for one adapter. */
export interface InPlaceSelection {
  /** Live base parameters, in model order. */
  params: Parameter[];
  /** Module paths reported to the user and saved in the sidecar ([] = "everything of the kind"). */
  targets: string[];
}

export interface InPlaceMethodSpec<C extends PeftConfig> {
  peftType: string;
  config: ConfigSpec<C>;
  /** Picks the base parameters adapter `config` trains; throws a clear error when there are none. */
  select(ctx: InjectContext, config: Readonly<C>): InPlaceSelection;
}

function snapshot(p: Parameter): Parameter {
  return new Parameter(p.value, { trainable: false, layout: p.layout });
}

function copyInto(target: Parameter, source: tf.Tensor): void {
  target.assign(source);
}

function cannotRestore(state: ModelState, name: string, action: string): Error {
  const rec = state.adapters.get(name);
  return new Error(
    `${rec?.method ?? 'in-place'} adapter '${name}' was created with keepOriginals: false, so the base's original ` +
      `values are gone and ${action} is impossible; use mergeAndUnload() to keep the trained model`,
  );
}

/** Puts the originals back into the loaded adapter's parameters, stashing its values first. */
function unloadCurrent(state: ModelState, stash: boolean): void {
  const name = state.loaded;
  if (name === undefined) return;
  const rec = state.adapters.get(name) as AdapterRecord;
  if (stash) rec.where = new Map(rec.values.map((p) => [p, snapshot(p)]));
  for (const p of rec.values) copyInto(p, (state.originals.get(p) as Parameter).value);
  state.loaded = undefined;
  if (!stash) rec.where = 'original';
}

function loadAdapter(state: ModelState, name: string): void {
  const rec = state.adapters.get(name) as AdapterRecord;
  if (rec.where instanceof Map) {
    for (const p of rec.values) copyInto(p, (rec.where.get(p) as Parameter).value);
    for (const s of rec.where.values()) s.dispose();
  }
  rec.where = 'live';
  state.loaded = name;
}

function hasOriginals(state: ModelState, name: string): boolean {
  const rec = state.adapters.get(name);
  return !!rec && rec.values.every((p) => state.originals.get(p) !== undefined);
}

/** Drops originals no remaining adapter touches. */
function pruneOriginals(state: ModelState): void {
  const used = new Set<Parameter>();
  for (const rec of state.adapters.values()) for (const p of rec.values) used.add(p);
  for (const [p, orig] of state.originals) {
    if (used.has(p)) continue;
    orig?.dispose();
    state.originals.delete(p);
  }
}

/** Live parameter or buffer -> its path in the current tree (paths change when other methods wrap modules). */
function pathsOf(model: AnyModule): Map<Parameter, string> {
  return new Map([...model.stateDict()].map(([k, p]) => [p, k]));
}

/**
 * `params` followed by the buffers of the modules that own them (in model order): the values
 * training moves.
 */
function withOwnBuffers(model: AnyModule, params: readonly Parameter[]): Parameter[] {
  const trained = new Set(params);
  const buffers = new Set<Parameter>();
  for (const [, m] of model.namedModules()) {
    if (!m.namedOwnParameters().some(([, p]) => trained.has(p))) continue;
    for (const [, b] of m.namedOwnBuffers()) buffers.add(b);
  }
  return [...params, ...[...buffers].filter((b) => !trained.has(b))];
}

/** Builds a `PeftMethod` that trains base parameters in place (see the file comment). */
export function defineInPlaceMethod<C extends PeftConfig & { keepOriginals: boolean }>(
  spec: InPlaceMethodSpec<C>,
): PeftMethod<C> {
  const record = (model: AnyModule, name: string): { state: ModelState; rec: AdapterRecord } => {
    const state = states.get(model);
    const rec = state?.adapters.get(name);
    if (!state || !rec || rec.method !== spec.peftType)
      throw new Error(`${spec.peftType}: the model has no adapter '${name}'`);
    return { state, rec };
  };

  return {
    peftType: spec.peftType,
    config: spec.config,
    // The active adapter's values already are the base's values: merging changes nothing, and
    // mergeAndUnload keeps them (see releaseState).
    mergeable: true,
    perExampleRouting: false,

    inject(ctx, config, adapterName) {
      const state = states.get(ctx.model) ?? { originals: new Map(), adapters: new Map(), loaded: undefined };
      const others = [...state.adapters.entries()];
      const fragile = others.find(([, r]) => !r.keepOriginals);
      if (fragile) {
        throw new Error(
          `${spec.peftType}: cannot add adapter '${adapterName}': in-place adapter '${fragile[0]}' was created with ` +
            'keepOriginals: false, so the original base values needed by a second adapter are gone',
        );
      }
      if (!config.keepOriginals && others.length) {
        throw new Error(
          `${spec.peftType}: keepOriginals: false is only allowed for the model's only in-place adapter ` +
            `(it already has ${others.map(([n]) => `'${n}'`).join(', ')})`,
        );
      }
      const selection = spec.select(ctx, config);
      const values = withOwnBuffers(ctx.model, selection.params);
      for (const p of values) {
        // A parameter first touched now holds its original value (only the loaded adapter
        // changes base values, and it would already have recorded this parameter).
        if (!state.originals.has(p)) state.originals.set(p, config.keepOriginals ? snapshot(p) : undefined);
      }
      state.adapters.set(adapterName, {
        method: spec.peftType,
        params: selection.params,
        values,
        keepOriginals: config.keepOriginals,
        where: 'original',
      });
      states.set(ctx.model, state);
      return { targets: selection.targets };
    },

    adapterParameters(model, adapterName) {
      const { state, rec } = record(model, adapterName);
      if (rec.where === 'original') {
        // Materialise the stash so a loader can write into it while another adapter is loaded.
        rec.where = new Map(
          rec.values.map((p) => {
            const orig = state.originals.get(p) ?? p;
            return [p, snapshot(orig)];
          }),
        );
      }
      const paths = pathsOf(model);
      const stash = rec.where;
      const out = new Map<string, Parameter>();
      for (const p of rec.values) {
        const key = paths.get(p);
        if (!key) throw new Error(`${spec.peftType}: a parameter of adapter '${adapterName}' left the model`);
        out.set(key, stash === 'live' ? p : (stash.get(p) as Parameter));
      }
      return out;
    },

    markTrainable(model, _config, adapterName) {
      const { rec } = record(model, adapterName);
      for (const p of rec.params) p.trainable = true;
    },

    syncState(model: AnyModule, activation: AdapterActivation) {
      const state = states.get(model);
      if (!state) return;
      const mine = activation.active.filter((n) => state.adapters.has(n));
      if (mine.length > 1) {
        throw new Error(
          `only one in-place adapter (BITFIT/SELECTIVE) can be active at a time, since they train the base ` +
            `parameters themselves; requested: ${mine.join(', ')}`,
        );
      }
      const target = activation.disabled ? undefined : mine[0];
      if (target === state.loaded) return;
      if (state.loaded !== undefined && !hasOriginals(state, state.loaded)) {
        throw cannotRestore(
          state,
          state.loaded,
          activation.disabled ? 'disableAdapter' : 'switching adapters',
        );
      }
      unloadCurrent(state, true);
      if (target !== undefined) loadAdapter(state, target);
    },

    releaseState(model: AnyModule, keep: boolean) {
      const state = states.get(model);
      if (!state) return;
      if (!keep && state.loaded !== undefined) {
        if (!hasOriginals(state, state.loaded)) throw cannotRestore(state, state.loaded, 'unload()');
        unloadCurrent(state, false);
      }
      for (const rec of state.adapters.values()) {
        if (rec.where instanceof Map) for (const s of rec.where.values()) s.dispose();
      }
      for (const orig of state.originals.values()) orig?.dispose();
      states.delete(model);
    },

    remove(model, adapterName) {
      const { state, rec } = record(model, adapterName);
      if (state.loaded === adapterName) {
        if (!hasOriginals(state, adapterName)) throw cannotRestore(state, adapterName, 'deleteAdapter');
        unloadCurrent(state, false);
      }
      if (rec.where instanceof Map) for (const s of rec.where.values()) s.dispose();
      state.adapters.delete(adapterName);
      pruneOriginals(state);
      if (state.adapters.size === 0) states.delete(model);
    },
  };
}
