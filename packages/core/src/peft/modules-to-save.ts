import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Linear } from '../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting, BASE_ADAPTER } from './adapter-layer.js';
import { candidateModules, matchesNameOrSuffix } from './targets.js';
import { adapterLayers } from './tuner.js';

/**
 * Keeps the original module frozen and one fully trainable copy per adapter, as HF PEFT's
 * `ModulesToSaveWrapper` does for `modules_to_save` (typically the classifier head). The copy's
 * weights are saved under the original module's own keys (`classifier.weight`).
 */
export class ModulesToSaveWrapper extends AdapterLayer<unknown[], tf.TensorContainer> {
  readonly adapterContainers = ['modules_to_save'] as const;
  protected override readonly unprefixedContainers = ['modules_to_save'];

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing);
    this.registerModule('modules_to_save', new AdapterModuleDict());
  }

  /** The trainable copy kept for adapter `name`. */
  copyFor(name: string): AnyModule {
    return this.copies.get(name);
  }

  private get copies(): AdapterModuleDict {
    return this.child<AdapterModuleDict>('modules_to_save');
  }

  /**
   * Replaces each `Linear` of `name`'s copy whose weight `shapeOf` (PyTorch layout, keyed
   * relative to the copy: `weight`, `out_proj.weight`) gives another shape by a fresh `Linear`
   * of that shape, so a head of another task (another number of classes) can be loaded into it.
   */
  fitCopy(name: string, shapeOf: (key: string) => readonly number[] | undefined): void {
    const copy = this.copies.get(name);
    for (const [sub, m] of [...copy.namedModules()]) {
      if (!(m instanceof Linear) || m.weight.layout !== 'linear') continue;
      const shape = shapeOf(sub ? `${sub}.weight` : 'weight');
      if (shape?.length !== 2) continue;
      const [outFeatures, inFeatures] = shape as [number, number];
      if (outFeatures === m.outFeatures && inFeatures === m.inFeatures) continue;
      const next = new Linear(inFeatures, outFeatures, { bias: m.bias !== undefined });
      next.train(m.training);
      if (sub === '') {
        this.copies.remove(name);
        this.copies.set(name, next);
      } else {
        copy.setSubmodule(sub, next).dispose();
      }
    }
  }

  addAdapter(name: string): void {
    const copy = this.base.clone();
    copy.requiresGrad(true);
    this.copies.set(name, copy);
  }

  /** The module used for this call: the first active adapter's copy, else the original. */
  private current(): AnyModule {
    const name = this.adaptersForCall()[0];
    return name ? this.copies.get(name) : this.base;
  }

  forward(...inputs: unknown[]): tf.TensorContainer {
    const first = inputs[0];
    const rows = first instanceof tf.Tensor ? (first.shape[0] ?? 1) : 1;
    const groups = first instanceof tf.Tensor ? this.routedGroups(rows) : undefined;
    if (!groups) return this.current().forward(...inputs);
    const moduleOf = (name: string) => (name === BASE_ADAPTER ? this.base : this.copies.get(name));
    if (groups.size === 1) return moduleOf([...groups.keys()][0] as string).forward(...inputs);
    const modules = [...groups.keys()].map(moduleOf);
    if (
      inputs.length === 1 &&
      modules.every((m) => m instanceof Linear && sameLinear(m, modules[0] as Linear))
    ) {
      return stackedLinear(first as tf.Tensor, [...groups.values()], modules as Linear[]);
    }
    // Per-example routing: each module runs on its own rows only (tensor inputs gathered along
    // the batch axis), and the rows are put back in order.
    const order: number[] = [];
    const outs: tf.Tensor[] = [];
    for (const [name, idx] of groups) {
      const take = tf.tensor1d(idx, 'int32');
      const sub = inputs.map((t) => (t instanceof tf.Tensor && t.shape[0] === rows ? tf.gather(t, take) : t));
      const y = moduleOf(name).forward(...sub);
      if (!(y instanceof tf.Tensor)) {
        throw new Error(`${this.typeName}: per-example routing needs a module with one tensor output`);
      }
      outs.push(y);
      order.push(...idx);
    }
    const inverse = new Int32Array(rows);
    for (const [pos, row] of order.entries()) inverse[row] = pos;
    return tf.gather(tf.concat(padLastAxis(outs), 0), tf.tensor1d(inverse, 'int32'));
  }

  /** Merging has no meaning for a full copy; `mergeAndUnload` swaps the active copy in instead. */
  override merge(): void {}
  override unmerge(): void {}
}

/**
 * Fits adapter `name`'s `modules_to_save` copies to a file's shapes (`fileShapes`: parameter
 * key -> PyTorch-layout shape, keys as `adapterTensors` names them): see
 * `ModulesToSaveWrapper.fitCopy`.
 */
export function fitModulesToSave(
  model: AnyModule,
  name: string,
  fileShapes: ReadonlyMap<string, readonly number[]>,
): void {
  for (const [p, layer] of adapterLayers(model)) {
    if (!(layer instanceof ModulesToSaveWrapper) || !layer.hasAdapter(name)) continue;
    layer.fitCopy(name, (key) => fileShapes.get(`${p}.${key}`));
  }
}

/**
 * Wraps every module of `model` matching `patterns` (name or suffix) in a `ModulesToSaveWrapper`
 * (reusing an existing wrapper) and gives it a copy for adapter `name`. Returns the wrapped
 * paths; unmatched patterns are reported through `warn`.
 */
export function wrapModulesToSave(
  model: AnyModule,
  routing: AdapterRouting,
  patterns: readonly string[],
  name: string,
  warn: (message: string) => void,
): string[] {
  if (patterns.length === 0) return [];
  const wrapped: string[] = [];
  for (const [p, m] of candidateModules(model)) {
    if (!patterns.some((pat) => matchesNameOrSuffix(p, pat))) continue;
    if (m instanceof AdapterLayer && !(m instanceof ModulesToSaveWrapper)) {
      throw new Error(
        `modulesToSave: '${p}' is already adapted by ${m.typeName}; a module is either adapted or saved whole`,
      );
    }
    const wrapper = m instanceof ModulesToSaveWrapper ? m : new ModulesToSaveWrapper(m, routing);
    if (wrapper !== m) model.setSubmodule(p, wrapper);
    wrapper.addAdapter(name);
    wrapped.push(p);
  }
  const unmatched = patterns.filter((pat) => !wrapped.some((p) => matchesNameOrSuffix(p, pat)));
  if (unmatched.length) warn(`modulesToSave: no module matched ${unmatched.join(', ')}`);
  return wrapped;
}

/**
 * Outputs of per-adapter copies whose last axis differs (heads of tasks with another number of
 * classes) padded with zeros to the widest, so their rows can share one batch tensor; each row's
 * own width is what its adapter's copy produced (`ModulesToSaveWrapper.outputWidth`). Other
 * shape differences are an error naming them.
 */
function padLastAxis(outs: tf.Tensor[]): tf.Tensor[] {
  const widest = Math.max(...outs.map((o) => o.shape[o.rank - 1] ?? 0));
  return outs.map((o) => {
    const w = o.shape[o.rank - 1] ?? 0;
    if (w === widest) return o;
    const pad: [number, number][] = o.shape.map(() => [0, 0]);
    pad[o.rank - 1] = [0, widest - w];
    return tf.pad(o, pad);
  });
}

function sameLinear(a: Linear, b: Linear): boolean {
  return a.inFeatures === b.inFeatures && a.outFeatures === b.outFeatures && !a.bias === !b.bias;
}

/**
 * Routed rows through per-adapter copies of one `Linear` (a classifier head) in a fixed number
 * of ops whatever the number of adapters: `x @ [W_1 .. W_n]` for all rows, each row keeping its
 * own block (a 0/1 mask, summed over the blocks: exact), plus its own bias picked by a one-hot
 * matMul.
 */
function stackedLinear(x: tf.Tensor, groups: readonly number[][], linears: readonly Linear[]): tf.Tensor {
  const n = linears.length;
  const { inFeatures, outFeatures } = linears[0] as Linear;
  const rows = x.shape[0] ?? 1;
  const flat = x.rank === 2 ? x : tf.reshape(x, [rows, -1, inFeatures]);
  const inner = flat.rank === 2 ? 1 : (flat.shape[1] as number);
  const w = tf.concat(
    linears.map((l) => l.weight.value),
    1,
  );
  const oneHot = new Float32Array(rows * n);
  for (const [k, idx] of groups.entries()) for (const r of idx) oneHot[r * n + k] = 1;
  const pick = tf.tensor2d(oneHot, [rows, n]);
  const y = tf.reshape(tf.matMul(tf.reshape(flat, [-1, inFeatures]), w), [rows, inner, n, outFeatures]);
  let out = tf.sum(tf.mul(y, tf.reshape(pick, [rows, 1, n, 1])), 2);
  if (linears[0]?.bias) {
    const b = tf.stack(linears.map((l) => l.bias?.value as tf.Tensor));
    out = tf.add(out, tf.reshape(tf.matMul(pick, b), [rows, 1, outFeatures]));
  }
  return tf.reshape(out, [...x.shape.slice(0, -1), outFeatures]);
}
