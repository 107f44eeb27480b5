import * as tf from '@tensorflow/tfjs';
import { brandClass, isBrandedInstance } from './brand.js';
import { sameShape } from './layout.js';
import { Parameter, type ParameterOptions } from './parameter.js';

/** A module of any signature; use it for trees and collections of heterogeneous modules. */
// biome-ignore lint/suspicious/noExplicitAny: module signatures vary; method bivariance needs `any` here.
export type AnyModule = Module<any[], any>;

/** A module with one tensor in and one tensor out, as Linear, norms and activations are. */
export type UnaryModule = Module<[tf.Tensor], tf.Tensor>;

export interface LoadStateDictOptions {
  /** Every missing or unexpected key is an error (default true). Shape mismatches always are. */
  strict?: boolean;
}

export interface LoadStateDictReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

/**
 * A node of the model tree, after PyTorch's `nn.Module`: named children, parameters and buffers,
 * dotted paths (`encoder.layer.3.attention.self.query`), state dicts, train/eval mode and
 * submodule replacement, which is how PEFT methods wrap layers.
 *
 * Subclasses implement `forward`; callers use `call`, which runs `forward` inside `tf.tidy` so
 * intermediates are freed and only the outputs survive.
 */
export abstract class Module<I extends unknown[] = [tf.Tensor], O extends tf.TensorContainer = tf.Tensor> {
  private readonly childModules = new Map<string, AnyModule>();
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly ownBuffers = new Map<string, Parameter>();
  private isTraining = true;

  abstract forward(...inputs: I): O;

  /** `instanceof` that also matches instances of a branded class from another copy of core. */
  static [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass on the right of `instanceof`.
    return isBrandedInstance(this, value);
  }

  /** Runs `forward` in a tidy scope named after the module class. */
  call(...inputs: I): O {
    return tf.tidy(this.constructor.name, () => this.forward(...inputs));
  }

  /** The class name used in error messages and summaries. */
  get typeName(): string {
    return this.constructor.name;
  }

  get training(): boolean {
    return this.isTraining;
  }

  // ---- registration -------------------------------------------------------------------------

  protected registerModule<M extends AnyModule>(name: string, module: M): M {
    this.checkName(name);
    this.childModules.set(name, module);
    return module;
  }

  protected registerParameter(name: string, initial: tf.Tensor, options: ParameterOptions = {}): Parameter {
    this.checkName(name);
    const p = new Parameter(initial, options);
    this.ownParameters.set(name, p);
    return p;
  }

  /**
   * Registers a parameter whose initial value is produced by `make`. The initial tensor is built
   * in a tidy scope and released once the variable holds its data, so constructors do not leak
   * one tensor per parameter (`registerParameter` leaves `initial` to the caller).
   */
  protected initParameter(name: string, make: () => tf.Tensor, options: ParameterOptions = {}): Parameter {
    const initial = tf.tidy(make);
    try {
      return this.registerParameter(name, initial, options);
    } finally {
      initial.dispose();
    }
  }

  /** `initParameter` for buffers. */
  protected initBuffer(
    name: string,
    make: () => tf.Tensor,
    options: Omit<ParameterOptions, 'trainable'> = {},
  ): Parameter {
    const initial = tf.tidy(make);
    try {
      return this.registerBuffer(name, initial, options);
    } finally {
      initial.dispose();
    }
  }

  /**
   * The child registered under `name`, read from the registry on every call. Forward passes use
   * this rather than a field captured at construction so that `setSubmodule` (how PEFT wraps a
   * layer) takes effect. The cast is the caller's claim about the child's signature.
   */
  protected child<M extends AnyModule = AnyModule>(name: string): M {
    const m = this.childModules.get(name);
    if (!m) throw new Error(`${this.typeName}: no child '${name}'`);
    return m as M;
  }

  /** Removes and returns a child (not disposed). Containers and adapter layers use it. */
  protected unregisterModule(name: string): AnyModule {
    const m = this.childModules.get(name);
    if (!m) throw new Error(`${this.typeName}: no child '${name}' to remove`);
    this.childModules.delete(name);
    return m;
  }

  /** Removes and returns an own parameter or buffer (not disposed). */
  protected unregisterParameter(name: string): Parameter {
    const p = this.ownParameters.get(name) ?? this.ownBuffers.get(name);
    if (!p) throw new Error(`${this.typeName}: no parameter '${name}' to remove`);
    this.ownParameters.delete(name);
    this.ownBuffers.delete(name);
    return p;
  }

  /** Adopts an existing `Parameter` (e.g. one shared between modules). */
  protected adoptParameter(name: string, p: Parameter): Parameter {
    this.checkName(name);
    if (p.kind === 'buffer') this.ownBuffers.set(name, p);
    else this.ownParameters.set(name, p);
    return p;
  }

  protected registerBuffer(
    name: string,
    initial: tf.Tensor,
    options: Omit<ParameterOptions, 'trainable'> = {},
  ): Parameter {
    this.checkName(name);
    const p = new Parameter(initial, { ...options, kind: 'buffer' });
    this.ownBuffers.set(name, p);
    return p;
  }

  private checkName(name: string): void {
    if (!NAME_RE.test(name))
      throw new Error(`${this.typeName}: invalid member name '${name}' (use [A-Za-z0-9_])`);
    if (this.childModules.has(name) || this.ownParameters.has(name) || this.ownBuffers.has(name)) {
      throw new Error(`${this.typeName}: member '${name}' is already registered`);
    }
  }

  // ---- traversal ------------------------------------------------------------------------------

  namedChildren(): [string, AnyModule][] {
    return [...this.childModules.entries()];
  }

  children(): AnyModule[] {
    return [...this.childModules.values()];
  }

  /** Depth-first, parents before children; the root has path `prefix` (default ''). */
  *namedModules(prefix = ''): Generator<[string, AnyModule]> {
    const seen = new Set<AnyModule>();
    function* walk(m: AnyModule, path: string): Generator<[string, AnyModule]> {
      if (seen.has(m)) return;
      seen.add(m);
      yield [path, m];
      for (const [name, child] of m.namedChildren()) yield* walk(child, path ? `${path}.${name}` : name);
    }
    yield* walk(this, prefix);
  }

  /** Own parameters (not buffers), keyed by local name. */
  namedOwnParameters(): [string, Parameter][] {
    return [...this.ownParameters.entries()];
  }

  namedOwnBuffers(): [string, Parameter][] {
    return [...this.ownBuffers.entries()];
  }

  /** Every parameter in the tree with its dotted path; a shared parameter appears once. */
  namedParameters(options: { trainableOnly?: boolean } = {}): [string, Parameter][] {
    return this.collect((m) => m.namedOwnParameters(), options.trainableOnly ?? false);
  }

  namedBuffers(): [string, Parameter][] {
    return this.collect((m) => m.namedOwnBuffers(), false);
  }

  parameters(options: { trainableOnly?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  private collect(
    own: (m: AnyModule) => [string, Parameter][],
    trainableOnly: boolean,
  ): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of own(m)) {
        if (seen.has(p) || (trainableOnly && !p.trainable)) continue;
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** Total number of scalars in parameters (buffers excluded). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters(options).reduce((n, p) => n + p.size, 0);
  }

  /** Sets `trainable` on every parameter of the tree. */
  requiresGrad(trainable: boolean): this {
    for (const p of this.parameters()) p.trainable = trainable;
    return this;
  }

  // ---- paths and replacement ------------------------------------------------------------------

  getSubmodule(path: string): AnyModule {
    if (path === '') return this;
    let m: AnyModule = this;
    const walked: string[] = [];
    for (const part of path.split('.')) {
      const child = m.childModules.get(part);
      if (!child) {
        const where = walked.length ? walked.join('.') : '<root>';
        const have = [...m.childModules.keys()].join(', ') || 'none';
        throw new Error(
          `getSubmodule: '${path}' not found: ${where} (${m.typeName}) has no child '${part}' (children: ${have})`,
        );
      }
      walked.push(part);
      m = child;
    }
    return m;
  }

  hasSubmodule(path: string): boolean {
    try {
      this.getSubmodule(path);
      return true;
    } catch {
      return false;
    }
  }

  /** Replaces the module at `path` (which must exist) and returns the old one, not disposed. */
  setSubmodule(path: string, module: AnyModule): AnyModule {
    if (path === '') throw new Error('setSubmodule: cannot replace the root module');
    const dot = path.lastIndexOf('.');
    const parent = this.getSubmodule(dot < 0 ? '' : path.slice(0, dot));
    const name = path.slice(dot + 1);
    const old = parent.childModules.get(name);
    if (!old)
      throw new Error(`setSubmodule: '${path}' does not exist; only existing modules can be replaced`);
    parent.childModules.set(name, module);
    return old;
  }

  // ---- modes ----------------------------------------------------------------------------------

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.isTraining = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  // ---- state dicts ----------------------------------------------------------------------------

  /**
   * Parameters and buffers keyed by dotted path, in memory layout. The tensors are the live
   * variables: do not dispose them; clone them if you need a snapshot.
   */
  stateDict(): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of [...m.namedOwnParameters(), ...m.namedOwnBuffers()]) {
        const key = path ? `${path}.${name}` : name;
        if (!out.has(key)) out.set(key, p);
      }
    }
    return out;
  }

  /**
   * Copies tensors into the tree's parameters and buffers. Every problem is gathered first and
   * reported in one error (nothing is assigned when there is one): shape or dtype mismatches
   * always; missing and unexpected keys when `strict` (default).
   */
  loadStateDict(
    dict: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>,
    options: LoadStateDictOptions = {},
  ): LoadStateDictReport {
    const strict = options.strict ?? true;
    const entries = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [k, t] of entries) {
      const p = own.get(k);
      if (!p) continue;
      if (!sameShape(t.shape, p.shape))
        mismatched.push(`${k}: file has [${t.shape}], model expects [${p.shape}]`);
      else if (t.dtype !== p.dtype)
        mismatched.push(`${k}: file has dtype ${t.dtype}, model expects ${p.dtype}`);
    }
    const problems: string[] = [];
    if (mismatched.length)
      problems.push(`shape/dtype mismatches (${mismatched.length}):\n  ${mismatched.join('\n  ')}`);
    if (strict && missing.length)
      problems.push(`missing keys (${missing.length}):\n  ${missing.join('\n  ')}`);
    if (strict && unexpected.length)
      problems.push(`unexpected keys (${unexpected.length}):\n  ${unexpected.join('\n  ')}`);
    if (problems.length) throw new Error(`loadStateDict(${this.typeName}) failed:\n${problems.join('\n')}`);
    const loaded: string[] = [];
    for (const [k, t] of entries) {
      const p = own.get(k);
      if (!p) continue;
      p.assign(t);
      loaded.push(k);
    }
    return { loaded, missing, unexpected };
  }

  /**
   * A deep copy: same classes and configuration, fresh variables holding copies of every
   * parameter and buffer. Fields that reference modules or parameters of the tree are re-pointed
   * to their copies; closures that capture the original are not (none of core's layers use one).
   * Used for per-adapter copies of `modulesToSave`.
   */
  clone(): this {
    return cloneTree(this, new Map()) as this;
  }

  /** Disposes every parameter and buffer in the tree. */
  dispose(): void {
    for (const p of this.stateDict().values()) p.dispose();
  }
}

/** Copies `m` and its subtree; `seen` maps originals to copies so shared members stay shared. */
function cloneTree(m: AnyModule, seen: Map<object, object>): AnyModule {
  const done = seen.get(m);
  if (done) return done as AnyModule;
  const copy = Object.create(Object.getPrototypeOf(m)) as AnyModule;
  Object.assign(copy, m);
  seen.set(m, copy);
  const cloneParam = (p: Parameter): Parameter => {
    const prev = seen.get(p);
    if (prev) return prev as Parameter;
    const c = new Parameter(p.value, { trainable: p.trainable, layout: p.layout, kind: p.kind });
    seen.set(p, c);
    return c;
  };
  const fields = copy as unknown as {
    childModules: Map<string, AnyModule>;
    ownParameters: Map<string, Parameter>;
    ownBuffers: Map<string, Parameter>;
  };
  fields.childModules = new Map([...m.namedChildren()].map(([k, c]) => [k, cloneTree(c, seen)]));
  fields.ownParameters = new Map(m.namedOwnParameters().map(([k, p]) => [k, cloneParam(p)]));
  fields.ownBuffers = new Map(m.namedOwnBuffers().map(([k, p]) => [k, cloneParam(p)]));
  const record = copy as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (v && typeof v === 'object' && seen.has(v)) record[key] = seen.get(v);
  }
  return copy;
}

brandClass(Module, 'nn.Module');

/** True for a peftkit module, including one built by another copy of `@peftkit/core`. */
export function isModule(value: unknown): value is AnyModule {
  return value instanceof Module;
}
