import * as tf from '@tensorflow/tfjs';
import type { Parameter } from '../../nn/parameter.js';
import { assertTrainable, checkNonNegative, type NamedParameter, type ParamGroup } from '../param-groups.js';
import type {
  Optimizer,
  OptimizerGroup,
  OptimizerHyper,
  OptimizerOptionValues,
  OptimizerState,
} from './optimizer.js';

/** Defaults that a group may override. */
export interface GroupDefaults {
  lr: number;
  weightDecay: number;
}

/** Parameters as a plain list (one group) or as explicit groups. */
export type OptimizerParams = readonly NamedParameter[] | readonly ParamGroup[];

function isGroupList(params: OptimizerParams): params is readonly ParamGroup[] {
  const first = params[0];
  return first !== undefined && !Array.isArray(first);
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

interface ParamEntry {
  readonly param: Parameter;
  readonly group: OptimizerGroup;
}

/** What a concrete optimizer's update sees for one parameter. */
export interface UpdateContext {
  readonly path: string;
  readonly param: Parameter;
  readonly grad: tf.Tensor;
  readonly group: OptimizerGroup;
  /** 1-based update count of this parameter, including the current update. */
  readonly step: number;
}

/**
 * Shared machinery: groups, gradient validation, lazily created state slots (`tf.Variable`s,
 * non-trainable so `variableGrads` never sees them), snapshots and disposal. A concrete optimizer
 * names its slots and implements `update` for one parameter.
 */
export abstract class BaseOptimizer<O extends OptimizerOptionValues> implements Optimizer {
  abstract readonly kind: string;
  readonly groups: OptimizerGroup[];
  protected options: O;
  private readonly entries = new Map<string, ParamEntry>();
  private readonly slots = new Map<string, tf.Variable>();
  private readonly paramSteps = new Map<string, number>();
  private steps = 0;
  private disposed = false;

  protected constructor(params: OptimizerParams, defaults: GroupDefaults, options: O, caller: string) {
    checkNonNegative(defaults.lr, 'lr', caller);
    checkNonNegative(defaults.weightDecay, 'weightDecay', caller);
    const groupsIn: readonly ParamGroup[] = isGroupList(params)
      ? params
      : [{ params: params as readonly NamedParameter[] }];
    this.groups = groupsIn.map((g, i) => {
      const name = g.name ?? `group_${i}`;
      const lr = g.lr ?? defaults.lr;
      const weightDecay = g.weightDecay ?? defaults.weightDecay;
      checkNonNegative(lr, `lr of group '${name}'`, caller);
      checkNonNegative(weightDecay, `weightDecay of group '${name}'`, caller);
      assertTrainable(g.params, caller);
      return { name, params: [...g.params], lr, weightDecay };
    });
    const seen = new Map<Parameter, string>();
    for (const group of this.groups) {
      for (const [path, param] of group.params) {
        if (this.entries.has(path))
          throw new Error(`${caller}: parameter '${path}' is in more than one group`);
        const other = seen.get(param);
        if (other !== undefined) {
          // The same variable under two paths would be updated twice per step.
          throw new Error(`${caller}: '${path}' and '${other}' are the same Parameter; list it once`);
        }
        seen.set(param, path);
        this.entries.set(path, { param, group });
      }
    }
    if (this.entries.size === 0) throw new Error(`${caller}: no parameters to optimize`);
    this.options = options;
  }

  /** State slot names under the given options, e.g. `['exp_avg', 'exp_avg_sq']`. */
  protected abstract slotNames(options: O): readonly string[];

  /** Computes and assigns the new value of one parameter; runs inside `tf.tidy`. */
  protected abstract update(ctx: UpdateContext): void;

  get stepCount(): number {
    return this.steps;
  }

  step(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.assertAlive('step');
    this.validateGrads(grads);
    this.steps += 1;
    for (const group of this.groups) {
      for (const [path, param] of group.params) {
        const grad = grads.get(path);
        if (grad === undefined) continue;
        const step = (this.paramSteps.get(path) ?? 0) + 1;
        this.paramSteps.set(path, step);
        tf.tidy(() => this.update({ path, param, grad, group, step }));
      }
    }
  }

  private validateGrads(grads: ReadonlyMap<string, tf.Tensor>): void {
    const unknown: string[] = [];
    const bad: string[] = [];
    for (const [path, grad] of grads) {
      const entry = this.entries.get(path);
      if (!entry) unknown.push(path);
      else if (grad.isDisposed) bad.push(`${path}: gradient tensor is disposed`);
      else if (!sameShape(grad.shape, entry.param.shape))
        bad.push(`${path}: gradient shape [${grad.shape}] != parameter shape [${entry.param.shape}]`);
      else if (grad.dtype !== entry.param.dtype)
        bad.push(`${path}: gradient dtype ${grad.dtype} != parameter dtype ${entry.param.dtype}`);
      else if (entry.param.isDisposed) bad.push(`${path}: parameter is disposed`);
    }
    const problems: string[] = [];
    if (unknown.length) problems.push(`gradients for unknown parameters: ${unknown.join(', ')}`);
    problems.push(...bad);
    if (problems.length) throw new Error(`${this.constructor.name}.step: ${problems.join('; ')}`);
  }

  /** The slot variable, or undefined before this parameter's first update. */
  protected getSlot(slot: string, path: string): tf.Variable | undefined {
    return this.slots.get(`${slot}.${path}`);
  }

  /** The slot variable, created from `init` (copied) on first use. */
  protected slot(slot: string, path: string, init: () => tf.Tensor): tf.Variable {
    const key = `${slot}.${path}`;
    let v = this.slots.get(key);
    if (!v) {
      // Variables are not tracked by tidy, so creating one inside `update` is safe.
      v = tf.variable(init(), false);
      this.slots.set(key, v);
    }
    return v;
  }

  zeroState(): void {
    this.assertAlive('zeroState');
    this.clearSlots();
    this.paramSteps.clear();
    this.steps = 0;
  }

  getState(): OptimizerState {
    this.assertAlive('getState');
    const tensors = new Map<string, tf.Tensor>();
    for (const [k, v] of this.slots) tensors.set(k, tf.clone(v));
    return {
      step: this.steps,
      tensors,
      hyper: {
        kind: this.kind,
        options: { ...this.options },
        groups: this.groups.map((g) => ({
          name: g.name,
          lr: g.lr,
          weightDecay: g.weightDecay,
          params: g.params.map(([p]) => p),
        })),
        paramSteps: Object.fromEntries(this.paramSteps),
      },
    };
  }

  setState(state: OptimizerState): void {
    this.assertAlive('setState');
    const where = `${this.constructor.name}.setState`;
    const { hyper } = state;
    if (hyper.kind !== this.kind)
      throw new Error(`${where}: state is for '${hyper.kind}', not '${this.kind}'`);
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${where}: bad step ${state.step}`);
    const optionKeys = Object.keys(this.options).sort().join(',');
    if (Object.keys(hyper.options).sort().join(',') !== optionKeys) {
      throw new Error(`${where}: options {${Object.keys(hyper.options)}} do not match {${optionKeys}}`);
    }
    for (const [k, v] of Object.entries(hyper.options)) {
      if (typeof v !== typeof this.options[k])
        throw new Error(`${where}: option '${k}' has type ${typeof v}`);
    }
    this.checkGroups(hyper.groups, where);
    const problems: string[] = [];
    // Validate against the incoming options: they decide which slots exist (e.g. amsgrad).
    const incoming = hyper.options as O;
    const slotNames = new Set(this.slotNames(incoming));
    for (const [key, t] of state.tensors) {
      const dot = key.indexOf('.');
      const slot = key.slice(0, dot);
      const entry = this.entries.get(key.slice(dot + 1));
      if (dot < 0 || !slotNames.has(slot) || !entry) problems.push(`unexpected tensor '${key}'`);
      else if (!sameShape(t.shape, entry.param.shape) || t.dtype !== entry.param.dtype)
        problems.push(
          `'${key}' is ${t.dtype}[${t.shape}], expected ${entry.param.dtype}[${entry.param.shape}]`,
        );
    }
    for (const [path, n] of Object.entries(hyper.paramSteps)) {
      if (!this.entries.has(path)) problems.push(`step count for unknown parameter '${path}'`);
      else if (!Number.isInteger(n) || n < 0) problems.push(`bad step count ${n} for '${path}'`);
      else if (n > 0) {
        for (const slot of slotNames) {
          if (!state.tensors.has(`${slot}.${path}`)) problems.push(`missing tensor '${slot}.${path}'`);
        }
      }
    }
    if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
    // All checks passed: replace state wholesale.
    this.clearSlots();
    for (const [key, t] of state.tensors) this.slots.set(key, tf.variable(t, false));
    this.paramSteps.clear();
    for (const [path, n] of Object.entries(hyper.paramSteps)) this.paramSteps.set(path, n);
    hyper.groups.forEach((g, i) => {
      const group = this.groups[i]!;
      group.lr = g.lr;
      group.weightDecay = g.weightDecay;
    });
    this.options = { ...incoming };
    this.steps = state.step;
  }

  private checkGroups(groups: OptimizerHyper['groups'], where: string): void {
    if (groups.length !== this.groups.length) {
      throw new Error(`${where}: state has ${groups.length} group(s), optimizer has ${this.groups.length}`);
    }
    groups.forEach((g, i) => {
      const mine = this.groups[i]!.params.map(([p]) => p);
      if (g.params.length !== mine.length || g.params.some((p, j) => p !== mine[j])) {
        const missing = mine.filter((p) => !g.params.includes(p));
        const extra = g.params.filter((p) => !mine.includes(p));
        throw new Error(
          `${where}: group ${i} ('${this.groups[i]!.name}') parameters differ` +
            ` (not in state: ${missing.join(', ') || 'none'}; only in state: ${extra.join(', ') || 'none'}` +
            `${missing.length + extra.length === 0 ? '; order differs' : ''})`,
        );
      }
    });
  }

  stateBytes(): number {
    let bytes = 0;
    for (const v of this.slots.values()) bytes += v.size * (v.dtype === 'bool' ? 1 : 4);
    return bytes;
  }

  dispose(): void {
    if (this.disposed) return;
    this.clearSlots();
    this.disposed = true;
  }

  private clearSlots(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }

  private assertAlive(op: string): void {
    if (this.disposed) throw new Error(`${this.constructor.name}.${op}: optimizer is disposed`);
  }
}
