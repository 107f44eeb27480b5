import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  AdamW,
  type AnyModule,
  disposeGradients,
  getPeftModel,
  type PeftConfigInput,
  type PeftkitHost,
  PeftModel,
  type PeftModelOptions,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { type ArchitectureCase, primaryOutput } from './architectures.js';
import {
  CHECKS,
  type CheckName,
  DOCUMENTED_DEVIATIONS,
  NOT_APPLICABLE_AT_CALL,
  REQUIRED_OPTIONS,
} from './methods.js';

/** One check's outcome in one cell. */
export type CheckOutcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'deviation'; readonly note: string }
  | { readonly kind: 'n/a'; readonly note: string }
  | { readonly kind: 'fail'; readonly note: string };

/** One cell of the matrix: a method on an architecture. */
export type CellResult =
  | { readonly status: 'n/a'; readonly reason: string }
  | { readonly status: 'failed to apply'; readonly reason: string }
  | {
      readonly status: 'ran';
      readonly checks: Readonly<Record<CheckName, CheckOutcome>>;
      /** Adapter parameters trained, as `getNbTrainableParameters().trainable`. */
      readonly trainable: number;
    };

const SEED = 7;
const STEPS = 3;
const PASS: CheckOutcome = { kind: 'pass' };

/** Largest |a - b|, or Infinity when the shapes differ. */
function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) return Number.POSITIVE_INFINITY;
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

function sameValues(a: tf.Tensor, b: tf.Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  const x = a.dataSync();
  const y = b.dataSync();
  return x.every((v, i) => v === y[i]);
}

/** A base key as it reads once wrapped modules are looked through (`x.base_layer.w` -> `x.w`). */
function unwrappedKey(key: string): string {
  return key.replace(/(^|\.)base_layer\./g, '$1');
}

/** A PeftModel key as the base model's own key (`base_model.model.` dropped, wrappers looked through). */
function baseKey(key: string): string {
  return unwrappedKey(key.replace(/^base_model\.model\./, ''));
}

function snapshot(model: AnyModule, keyOf = (k: string) => k): Map<string, Float32Array> {
  return new Map(
    [...model.stateDict()].map(([k, p]) => [keyOf(k), p.value.dataSync().slice() as Float32Array]),
  );
}

function sameArrays(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Keys of `before` whose values are missing or different in `now`. */
function changed(
  before: ReadonlyMap<string, Float32Array>,
  now: ReadonlyMap<string, Float32Array>,
): string[] {
  return [...before]
    .filter(([k, v]) => !now.has(k) || !sameArrays(v, now.get(k) as Float32Array))
    .map(([k]) => k);
}

/** A loss on any `[..., d]` output whose gradient does not vanish behind a final LayerNorm. */
function projectionLoss(out: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = out.shape[out.rank - 1] as number;
    const w = tf.sub(tf.div(tf.range(0, d), d), 0.5);
    return tf.mean(tf.square(tf.sub(tf.sum(tf.mul(out, w), -1), 1))) as tf.Scalar;
  });
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
}

function call(model: AnyModule, inputs: unknown[]): tf.Tensor {
  return tf.tidy(() => primaryOutput(model.call(...inputs)).clone());
}

/** The outcome of a check that differs where a documented deviation says it would. */
function judged(check: CheckName, peftType: string, ok: boolean, failNote: string): CheckOutcome {
  const deviation = DOCUMENTED_DEVIATIONS[check]?.[peftType];
  if (deviation === undefined) return ok ? PASS : { kind: 'fail', note: failNote };
  return ok
    ? {
        kind: 'fail',
        note: `documented as a deviation (${deviation}) but passed: update DOCUMENTED_DEVIATIONS`,
      }
    : { kind: 'deviation', note: deviation };
}

/**
 * Runs one cell: builds the architecture's tiny base, adapts it with `peftType` and its default
 * targets through `getPeftModel`, and runs every check (see `CHECKS`). An error while adding the
 * adapter makes the cell "not applicable" with that error as the reason; an error in a later
 * check fails that check. Disposes everything it creates.
 */
export async function runCell(
  arch: ArchitectureCase,
  peftType: string,
  host: PeftkitHost,
  tmp: string,
): Promise<CellResult> {
  const start = tf.memory().numTensors;
  setSeed(SEED);
  const built = await arch.build(host, tmp);
  const base = built.model.eval();
  const inputs = arch.inputs();
  const baseOut = call(base, inputs);
  const baseSnap = snapshot(base);
  const options: PeftModelOptions = {
    placement: built.placement,
    defaults: built.defaults,
    methods: host.peftMethods,
    warn: () => {},
  };
  const config = { peftType, ...REQUIRED_OPTIONS[peftType] } as PeftConfigInput;
  let peft: PeftModel;
  try {
    peft = getPeftModel(base, config, options);
  } catch (err) {
    base.dispose();
    tf.dispose([baseOut, ...tensorsIn(inputs)]);
    // The architecture's own defaults name this method: it is meant to apply, so not applying is a failure.
    const promised = built.defaults?.[peftType] !== undefined;
    return { status: promised ? 'failed to apply' : 'n/a', reason: describe(err) };
  }
  try {
    peft.eval();
    call(peft, inputs).dispose();
  } catch (err) {
    const reason = describe(err);
    if (NOT_APPLICABLE_AT_CALL.some((re) => re.test(reason))) {
      peft.dispose();
      tf.dispose([baseOut, ...tensorsIn(inputs)]);
      return { status: 'n/a', reason };
    }
  }
  const checks: Partial<Record<CheckName, CheckOutcome>> = { apply: PASS };
  const tol =
    1e-5 *
    Math.max(
      1,
      tf.tidy(() => tf.max(tf.abs(baseOut)).dataSync()[0] as number),
    );
  const attempt = async (check: CheckName, fn: () => CheckOutcome | Promise<CheckOutcome>) => {
    try {
      checks[check] = await fn();
    } catch (err) {
      checks[check] = { kind: 'fail', note: describe(err) };
    }
  };
  const stepCounts: number[] = [];
  let trainable = 0;
  let unloaded: AnyModule | undefined;
  try {
    peft.eval();
    await attempt('identity', () => {
      const out = call(peft, inputs);
      const d = maxDiff(out, baseOut);
      out.dispose();
      return judged('identity', peftType, d <= tol, `fresh adapter changes the output by ${d}`);
    });

    trainable = peft.getNbTrainableParameters().trainable;
    await attempt('adaptersOnly', () => {
      const named = peft.namedParameters({ trainableOnly: true });
      if (named.length === 0) return { kind: 'fail', note: 'no trainable parameters' };
      // Values the adapter saves are its own even when they do not train (buffers an in-place
      // method owns, e.g. the running statistics of a fully fine-tuned BatchNorm).
      const owned = new Set(peft.adapterStateDict('default').values());
      const frozenBefore = new Map(
        [...peft.stateDict()]
          .filter(([k, p]) => !p.trainable && !owned.has(p) && baseSnap.has(baseKey(k)))
          .map(([k, p]) => [k, p.value.dataSync().slice() as Float32Array]),
      );
      const trainedBefore = snapshot(peft);
      peft.train();
      const opt = new AdamW([{ params: named, lr: 0.05 }], { weightDecay: 0 });
      const losses: number[] = [];
      try {
        for (let i = 0; i < STEPS; i++) {
          const { value, grads } = valueAndGrads(named, () =>
            projectionLoss(primaryOutput(peft.forward(...inputs))),
          );
          losses.push(value.dataSync()[0] as number);
          opt.step(grads);
          value.dispose();
          disposeGradients(grads);
          stepCounts.push(tf.memory().numTensors);
        }
      } finally {
        opt.dispose();
        peft.eval();
      }
      const problems: string[] = [];
      const frozenMoved = changed(frozenBefore, snapshot(peft));
      if (frozenMoved.length) problems.push(`frozen values moved: ${frozenMoved.slice(0, 3).join(', ')}`);
      const baseNow = peft.disableAdapter(() => snapshot(peft.model, unwrappedKey));
      const baseMoved = changed(baseSnap, baseNow);
      if (baseMoved.length)
        problems.push(`base values differ under disableAdapter: ${baseMoved.slice(0, 3).join(', ')}`);
      if (
        !named.some(
          ([k]) => !sameArrays(trainedBefore.get(k) as Float32Array, snapshot(peft).get(k) as Float32Array),
        )
      )
        problems.push('no trainable parameter moved in training');
      if (!Number.isFinite(losses.at(-1) as number)) problems.push(`loss is ${losses.at(-1)}`);
      if (problems.length) return { kind: 'fail', note: problems.join('; ') };
      // Trainable parameters that are base parameters (under their unwrapped key) are in-place training.
      const inPlace = named
        .map(([k]) => unwrappedKey(k.replace(/^base_model\.model\./, '')))
        .filter((k) => baseSnap.has(k));
      return judged(
        'adaptersOnly',
        peftType,
        inPlace.length === 0,
        `base parameters train: ${inPlace.slice(0, 3).join(', ')}`,
      );
    });

    let adapted: tf.Tensor | undefined;
    try {
      adapted = call(peft, inputs);
    } catch (err) {
      const note = `the adapted model cannot run: ${describe(err)}`;
      for (const c of ['disable', 'saveLoad', 'merge'] as const) checks[c] = { kind: 'fail', note };
    }
    if (adapted)
      try {
        await attempt('disable', () => {
          const off = peft.disableAdapter(() => call(peft, inputs));
          const again = call(peft, inputs);
          const d = maxDiff(off, baseOut);
          const back = sameValues(again, adapted);
          tf.dispose([off, again]);
          if (d > tol) return { kind: 'fail', note: `disabled output differs from the base by ${d}` };
          if (!back) return { kind: 'fail', note: 'the adapted output changed after disableAdapter' };
          return PASS;
        });

        await attempt('saveLoad', async () => {
          const dir = path.join(tmp, `${arch.id.replace(/\W/g, '_')}-${peftType}`);
          await peft.savePretrained(dir);
          setSeed(SEED);
          const again = await arch.build(host, tmp);
          const loaded = await PeftModel.fromPretrained(again.model, dir, options);
          loaded.eval();
          const out = call(loaded, inputs);
          const same = sameValues(out, adapted);
          const d = maxDiff(out, adapted);
          out.dispose();
          loaded.dispose();
          await fs.rm(dir, { recursive: true, force: true });
          return same ? PASS : { kind: 'fail', note: `reloaded output differs by ${d}` };
        });

        await attempt('merge', () => {
          const method = host.peftMethods.get(peftType);
          if (!method.mergeable) {
            try {
              peft.merge();
            } catch {
              return { kind: 'n/a', note: 'not mergeable (merge() refuses)' };
            }
            return { kind: 'fail', note: 'not mergeable, yet merge() did not refuse' };
          }
          peft.merge(undefined, { safeMerge: true });
          const merged = call(peft, inputs);
          peft.unmerge();
          const unmerged = call(peft, inputs);
          const plain = peft.mergeAndUnload();
          unloaded = plain;
          const fromPlain = call(plain, inputs);
          const [dm, du, dp] = [
            maxDiff(merged, adapted),
            maxDiff(unmerged, adapted),
            maxDiff(fromPlain, adapted),
          ];
          tf.dispose([merged, unmerged, fromPlain]);
          const problems = [
            dm > tol ? `merged output differs by ${dm}` : '',
            du > tol ? `unmerged output differs by ${du}` : '',
            dp > tol ? `mergeAndUnload output differs by ${dp}` : '',
          ].filter(Boolean);
          return problems.length ? { kind: 'fail', note: problems.join('; ') } : PASS;
        });
      } finally {
        adapted.dispose();
      }
  } finally {
    (unloaded ?? peft).dispose();
    tf.dispose([baseOut, ...tensorsIn(inputs)]);
  }
  const end = tf.memory().numTensors;
  const flat = new Set(stepCounts.slice(1)).size <= 1;
  checks.noLeak =
    flat && end === start
      ? PASS
      : {
          kind: 'fail',
          note: flat
            ? `${end - start} tensors left after disposing the models`
            : `tensor count per step ${stepCounts.join(', ')}`,
        };
  return {
    status: 'ran',
    checks: Object.fromEntries(
      CHECKS.map((c) => [c, checks[c] ?? { kind: 'fail', note: 'not run' }]),
    ) as Record<CheckName, CheckOutcome>,
    trainable,
  };
}

/** Tensors among call inputs (plain tensors and the values of option objects). */
function tensorsIn(inputs: unknown[]): tf.Tensor[] {
  return inputs.flatMap((i) =>
    i instanceof tf.Tensor
      ? [i]
      : i && typeof i === 'object'
        ? Object.values(i).filter((v): v is tf.Tensor => v instanceof tf.Tensor)
        : [],
  );
}

/** The checks that failed in a cell, in `CHECKS` order (`apply` when the method did not apply though promised). */
export function failingChecks(result: CellResult): CheckName[] {
  if (result.status === 'failed to apply') return ['apply'];
  if (result.status === 'n/a') return [];
  return CHECKS.filter((c) => result.checks[c].kind === 'fail');
}
