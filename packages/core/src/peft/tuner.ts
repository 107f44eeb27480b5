import type { AnyModule, Parameter } from '../nn/index.js';
import { AdapterLayer, type AdapterRouting } from './adapter-layer.js';
import type { ConfigSpec, PeftConfig } from './config.js';
import type { InjectContext, InjectReport, PeftMethod } from './method.js';
import { noTargetsError, resolveTargets, type TargetMatch, unwrapBase, warnUnmatched } from './targets.js';

/** Wraps one kind of base module (first factory whose `matches` accepts the module wins). */
export interface LayerFactory {
  /** Base type name for error messages, e.g. `Linear`. */
  readonly baseType: string;
  matches(base: AnyModule): boolean;
  create(base: AnyModule, routing: AdapterRouting): AdapterLayer;
}

/**
 * The usual factory: wraps instances of `type` (those `accept` takes, if given) in `new Layer(base,
 * routing)`; `baseType` names them in errors.
 */
export function layerFactory<B extends AnyModule>(
  baseType: string,
  type: abstract new (...args: never[]) => B,
  Layer: new (base: AnyModule, routing: AdapterRouting) => AdapterLayer,
  accept: (base: B) => boolean = () => true,
): LayerFactory {
  return {
    baseType,
    matches: (m) => m instanceof type && accept(m),
    create: (base, routing) => new Layer(base, routing),
  };
}

export interface TunerMethodSpec<C extends PeftConfig> {
  peftType: string;
  config: ConfigSpec<C>;
  /** Ordered dispatch list: the first factory that matches a target's base module wraps it. */
  factories: readonly LayerFactory[];
  /** The adapter layer classes this method creates, to recognise already-wrapped targets. */
  layerClasses: readonly (abstract new (
    ...args: never[]
  ) => AdapterLayer)[];
  mergeable: boolean;
  /** Per-target adapter settings (e.g. LoRA's rank/alpha patterns); default: the config itself. */
  layerConfig?: (config: Readonly<C>, match: TargetMatch) => Readonly<Record<string, unknown>>;
  /** Runs once per injection after every target is wrapped (e.g. VeRA's shared matrices). */
  afterInject?: (
    ctx: InjectContext,
    config: Readonly<C>,
    adapterName: string,
    layers: AdapterLayer[],
  ) => void;
}

/**
 * Rejects target `module` (at `path`) when another method's adapter layer wraps it, or when it is
 * already one of `layerClasses` holding adapter `adapterName`: one module takes one kind of adapter.
 */
export function checkTarget(
  peftType: string,
  path: string,
  module: AnyModule,
  layerClasses: TunerMethodSpec<PeftConfig>['layerClasses'],
  adapterName: string,
): void {
  if (!(module instanceof AdapterLayer)) return;
  if (!layerClasses.some((cls) => module instanceof cls)) {
    throw new Error(
      `${peftType}: '${path}' is already wrapped by ${module.typeName}; one module takes one kind of adapter`,
    );
  }
  if (module.hasAdapter(adapterName))
    throw new Error(`${peftType}: '${path}' already has adapter '${adapterName}'`);
}

/**
 * The one walker every tuner method shares: resolve targets, then for each match either add the
 * adapter to an existing layer of this method or wrap the base module with the first factory
 * that accepts it. Nothing matched is an error listing the closest names; patterns or roles
 * that matched nothing are reported through `ctx.warn`.
 */
export function injectAdapter<C extends PeftConfig>(
  spec: TunerMethodSpec<C>,
  ctx: InjectContext,
  config: Readonly<C>,
  adapterName: string,
): InjectReport {
  const resolution = resolveTargets(ctx.model, config, { placement: ctx.placement });
  if (resolution.matched.length === 0) throw noTargetsError(ctx.model, config, spec.peftType);
  warnUnmatched(ctx.warn, spec.peftType, resolution.unmatched, resolution.matched.length);
  // Check every target before changing anything, so a bad target leaves the model untouched.
  const plan = resolution.matched.map((match) => {
    const existing = match.module;
    checkTarget(spec.peftType, match.path, existing, spec.layerClasses, adapterName);
    if (existing instanceof AdapterLayer) return { match, factory: undefined };
    const base = unwrapBase(existing);
    const factory = spec.factories.find((f) => f.matches(base));
    if (!factory) {
      throw new Error(
        `${spec.peftType} cannot wrap '${match.path}' of type ${base.typeName}; it wraps: ${spec.factories.map((f) => f.baseType).join(', ')}`,
      );
    }
    return { match, factory };
  });
  const layers: AdapterLayer[] = [];
  for (const { match, factory } of plan) {
    let layer: AdapterLayer;
    if (factory) {
      layer = factory.create(match.module, ctx.routing);
      ctx.model.setSubmodule(match.path, layer);
    } else {
      layer = match.module as AdapterLayer;
    }
    layer.addAdapter(adapterName, spec.layerConfig ? spec.layerConfig(config, match) : config);
    layers.push(layer);
  }
  spec.afterInject?.(ctx, config, adapterName, layers);
  return { targets: resolution.matched.map((m) => m.path) };
}

/** Every adapter layer of the tree with its path (not descending into adapter layers). */
export function adapterLayers(model: AnyModule): [string, AdapterLayer][] {
  const out: [string, AdapterLayer][] = [];
  const walk = (m: AnyModule, path: string): void => {
    if (m instanceof AdapterLayer) {
      out.push([path, m]);
      return;
    }
    for (const [name, child] of m.namedChildren()) walk(child, path ? `${path}.${name}` : name);
  };
  walk(model, '');
  return out;
}

/**
 * Parameters of one adapter keyed by HF file key: `<layer path>.<container>[.<sub path>]` with the
 * adapter name removed (`query.lora_A.default.weight` -> `query.lora_A.weight`).
 */
export function adapterLayerParameters(
  model: AnyModule,
  adapterName: string,
  layerClasses?: TunerMethodSpec<PeftConfig>['layerClasses'],
): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  for (const [path, layer] of adapterLayers(model)) {
    if (layerClasses && !layerClasses.some((cls) => layer instanceof cls)) continue;
    for (const [key, p] of layer.adapterParametersByKey(adapterName)) {
      out.set(key ? `${path}.${key}` : path, p);
    }
  }
  return out;
}

/** Builds a `PeftMethod` from a tuner spec. */
export function defineTunerMethod<C extends PeftConfig>(spec: TunerMethodSpec<C>): PeftMethod<C> {
  return {
    peftType: spec.peftType,
    config: spec.config,
    mergeable: spec.mergeable,
    inject: (ctx, config, adapterName) => injectAdapter(spec, ctx, config, adapterName),
    adapterParameters: (model, adapterName) => adapterLayerParameters(model, adapterName, spec.layerClasses),
    remove(model, adapterName) {
      for (const [path, layer] of adapterLayers(model)) {
        if (!spec.layerClasses.some((cls) => layer instanceof cls) || !layer.hasAdapter(adapterName))
          continue;
        layer.deleteAdapter(adapterName);
        // A layer left without adapters goes back to being its base module.
        if (layer.adapterNames().length === 0) model.setSubmodule(path, layer.base);
      }
    },
  };
}
