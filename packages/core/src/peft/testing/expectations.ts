import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { AnyModule, Module, Parameter } from '../../nn/index.js';
import { setSeed } from '../../runtime/index.js';
import type { PeftConfigInput } from '../config-map.js';
import { getPeftModel, PeftModel, type PeftModelOptions } from '../peft-model.js';
import { ids, maxAbsDiff, snapshot } from './fixtures.js';
import { TinyBert } from './tiny-bert.js';

/** Assertions the PEFT method tests share (test-only; not exported from the package). */

type TensorModel = PeftModel<[tf.Tensor], tf.Tensor>;

/** Scalars in the trainable parameters, counted directly (to hold `getNbTrainableParameters` to). */
export function trainableSize(model: AnyModule): number {
  return model.namedParameters({ trainableOnly: true }).reduce((n, [, p]) => n + p.size, 0);
}

/**
 * Maps a base key to where it lives once its module is wrapped (`<module>.base_layer.<leaf>`),
 * for the modules in `wrapped`.
 */
export function baseLayerKey(wrapped: readonly string[]): (key: string) => string {
  return (key) => {
    const dot = key.lastIndexOf('.');
    const mod = key.slice(0, dot);
    return wrapped.includes(mod) ? `${mod}.base_layer.${key.slice(dot + 1)}` : key;
  };
}

/**
 * Snapshots `model`, adapts it with `getPeftModel(model, config, options)` and checks the adapted
 * output on `x` (default `ids()`) equals the base's exactly: a fresh adapter starts as the
 * identity. Returns the adapted model and the snapshot of the base.
 */
export function adaptAndExpectUnchanged(
  model: Module<[tf.Tensor], tf.Tensor>,
  config: PeftConfigInput,
  options: PeftModelOptions & { adapterName?: string } = {},
  x?: tf.Tensor,
): { peft: TensorModel; baseSnap: Map<string, Float32Array> } {
  const input = x ?? ids();
  const before = model.call(input);
  const baseSnap = snapshot(model);
  const peft = getPeftModel(model, config, options);
  const after = peft.call(input);
  expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
  tf.dispose(x === undefined ? [input, before, after] : [before, after]);
  return { peft, baseSnap };
}

/**
 * Every value of `before` (a `snapshot` of the base) is still in `model`, bit for bit, under
 * `keyNow(key)` (where wrapping moved it).
 */
export function expectBaseUnchanged(
  model: AnyModule,
  before: ReadonlyMap<string, Float32Array>,
  keyNow: (key: string) => string,
): void {
  const now = model.stateDict();
  for (const [k, v] of before) {
    const key = keyNow(k);
    const p = now.get(key);
    expect(p, key).toBeDefined();
    expect(Array.from(p!.value.dataSync()), key).toEqual(Array.from(v));
  }
}

/**
 * Runs `ids()` with one adapter per row (`names`, `'__base__'` = none), then every named adapter
 * alone (in the order they were added; the last stays active) and with adapters disabled. Each
 * routed row must equal the same row of its adapter's own output, and the adapters' outputs must
 * differ (else the routing proves nothing). `more` may check the outputs further, by name.
 */
export function expectRoutingMatchesEachAlone<const N extends string>(
  peft: TensorModel,
  names: readonly N[],
  more?: (outputs: Readonly<Record<N, tf.Tensor>>) => void,
): void {
  const x = ids();
  const routed = peft.callWithAdapterNames(names, x);
  const alone = new Map<string, tf.Tensor>();
  const adapters = peft.adapterNames().filter((n) => names.includes(n as N));
  for (const name of adapters) {
    peft.setAdapter(name);
    alone.set(name, peft.call(x));
  }
  alone.set(
    '__base__',
    peft.disableAdapter(() => peft.call(x)),
  );
  const row = (t: tf.Tensor, i: number) => tf.slice(t, [i, 0], [1, -1]);
  names.forEach((name, i) => {
    const diff = tf.tidy(() => maxAbsDiff(row(routed, i), row(alone.get(name)!, i)));
    expect(diff, `row ${i} (${name})`).toBeLessThan(1e-6);
  });
  adapters.forEach((a, i) => {
    for (const b of adapters.slice(i + 1)) {
      expect(maxAbsDiff(alone.get(a)!, alone.get(b)!), `${a} vs ${b}`).toBeGreaterThan(1e-4);
    }
  });
  more?.(Object.fromEntries(alone) as Record<N, tf.Tensor>);
  tf.dispose([x, routed, ...alone.values()]);
}

/**
 * Each case's config (`base` with the case's fields) is refused with an error matching its
 * pattern, on a fresh model from `makeModel`.
 */
export function expectConfigsRejected(
  base: Readonly<Record<string, unknown>>,
  cases: readonly (readonly [Record<string, unknown>, RegExp])[],
  makeModel: () => Module<[tf.Tensor], tf.Tensor> = () => new TinyBert(),
  options: PeftModelOptions = {},
): void {
  for (const [fields, re] of cases) {
    // The cases are wrong on purpose: their configs are checked at run time only.
    const config = { ...base, ...fields } as PeftConfigInput;
    expect(() => getPeftModel(makeModel(), config, options), JSON.stringify(fields)).toThrow(re);
  }
}

/**
 * Merges (safe merge) and checks the output is unchanged and `weight` (a base weight under a
 * target) moved; unmerges and checks `weight` is restored; `mergeAndUnload` must then give the
 * unmerged output. Returns the plain model.
 */
export function expectMergeRoundTrip(
  peft: TensorModel,
  x: tf.Tensor,
  weight: Parameter,
  label = '',
): Module<[tf.Tensor], tf.Tensor> {
  const w0 = weight.value.clone();
  const unmerged = peft.call(x);
  peft.merge(undefined, { safeMerge: true });
  expect(maxAbsDiff(weight.value, w0)).toBeGreaterThan(0);
  const merged = peft.call(x);
  expect(maxAbsDiff(merged, unmerged), label).toBeLessThan(1e-5);
  peft.unmerge();
  expect(maxAbsDiff(weight.value, w0), label).toBeLessThan(1e-6);
  const plain = peft.mergeAndUnload();
  const fromPlain = plain.call(x);
  expect(maxAbsDiff(fromPlain, unmerged)).toBeLessThan(1e-5);
  tf.dispose([w0, unmerged, merged, fromPlain]);
  return plain;
}

/**
 * Loads `dir` onto a fresh base built right after `setSeed(seed)` (the seed `peft`'s base was
 * built with) and checks its output on `ids()` equals `peft`'s exactly. Returns the loaded model.
 */
export async function expectReloadsExactly(
  peft: TensorModel,
  dir: string,
  seed: number,
  options: PeftModelOptions = {},
): Promise<TensorModel> {
  const x = ids();
  const want = peft.call(x);
  setSeed(seed);
  const reloaded = await PeftModel.fromPretrained(new TinyBert(), dir, options);
  const got = reloaded.call(x);
  expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
  tf.dispose([x, want, got]);
  return reloaded;
}
