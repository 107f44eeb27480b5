import { isPlainObject } from '../json.js';
import { UserError } from '../user-error.js';
import { UNSAFE_KEYS } from './unsafe-keys.js';

/** A named layer of a run config, lowest precedence first. */
export interface ConfigLayer {
  /** Shown in errors: `preset tabular/classification`, `config file run.yaml`, `--set training.lr=0`. */
  readonly name: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/** The merged object and, for each dotted path a layer set, the layer that set it last. */
export interface MergeResult {
  readonly value: Record<string, unknown>;
  readonly origins: ReadonlyMap<string, string>;
}

/**
 * Deep-merges layers, later over earlier: plain objects merge key by key; arrays, scalars and
 * `null` replace. Two exceptions keep configs coherent: a `peft` object whose `peftType`
 * differs from the one below replaces it whole (LoRA's `r` must not leak into an IA3 config),
 * and so does `peft: 'full'`; a `model` object naming another `architecture` than the one below
 * drops the `model.config` below (BERT's `hidden_size` must not leak into a DistilBERT config).
 *
 * @example
 * mergeLayers([{ name: 'preset', value: { training: { lr: 1e-3, epochs: 3 } } },
 *              { name: 'flags', value: { training: { lr: 5e-4 } } }]).value;
 * // { training: { lr: 5e-4, epochs: 3 } }
 */
export function mergeLayers(layers: readonly ConfigLayer[]): MergeResult {
  const origins = new Map<string, string>();
  let value: Record<string, unknown> = {};
  for (const layer of layers) value = mergeInto(value, layer.value, [], layer.name, origins);
  return { value, origins };
}

function mergeInto(
  base: Record<string, unknown>,
  over: Readonly<Record<string, unknown>>,
  at: readonly string[],
  layer: string,
  origins: Map<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, v] of Object.entries(over)) {
    if (v === undefined) continue;
    // A layer built in code (a plugin's preset) could still carry one; never assign it.
    if (UNSAFE_KEYS.has(key)) throw new UserError(`${layer}: '${[...at, key].join('.')}' is not allowed`);
    const p = [...at, key];
    let below = out[key];
    if (changesArchitecture(p, below, v)) {
      // `model.config` describes the architecture below (BERT's hidden_size means nothing to a CNN).
      const { config: _dropped, ...rest } = below as Record<string, unknown>;
      forget(origins, [...p, 'config'].join('.'));
      below = rest;
      out[key] = rest;
    }
    const replacesMethod =
      p.length === 1 &&
      key === 'peft' &&
      isPlainObject(below) &&
      isPlainObject(v) &&
      'peftType' in v &&
      v['peftType'] !== below['peftType'];
    if (isPlainObject(v) && isPlainObject(below) && !replacesMethod) {
      out[key] = mergeInto(below, v, p, layer, origins);
    } else {
      forget(origins, p.join('.'));
      out[key] = clone(v);
      record(origins, p, v, layer);
    }
  }
  return out;
}

function changesArchitecture(p: readonly string[], below: unknown, v: unknown): boolean {
  return (
    p.length === 1 &&
    p[0] === 'model' &&
    isPlainObject(below) &&
    isPlainObject(v) &&
    v['architecture'] !== undefined &&
    below['architecture'] !== undefined &&
    v['architecture'] !== below['architecture']
  );
}

function record(origins: Map<string, string>, at: readonly string[], v: unknown, layer: string): void {
  origins.set(at.join('.'), layer);
  if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) record(origins, [...at, k], x, layer);
}

function forget(origins: Map<string, string>, prefix: string): void {
  for (const k of [...origins.keys()]) if (k === prefix || k.startsWith(`${prefix}.`)) origins.delete(k);
}

function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

/** The layer that set `path` or its nearest ancestor, for error messages. */
export function originOf(
  origins: ReadonlyMap<string, string>,
  path: readonly (string | number)[],
): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const o = origins.get(path.slice(0, n).join('.'));
    if (o) return o;
  }
  return undefined;
}
