import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Linear, Parameter } from '../../../nn/index.js';
import type { MethodTrainingContext, PeftMethod } from '../../method.js';
import { adapterLayers, defineTunerMethod, layerFactory } from '../../tuner.js';
import {
  type AdaloraConfig,
  adaloraConfig,
  adaloraSettingsFor,
  rankPatternKey,
  scheduleProblem,
} from './config.js';
import { SvdLinear } from './layer.js';
import { orthogonalRegularization } from './orth-regularizer.js';
import { RankAllocator } from './rank-allocator.js';

/** The adapter's layers with their paths, in model order. */
function svdLayers(model: AnyModule, name: string): [string, SvdLinear][] {
  return adapterLayers(model).filter(
    (e): e is [string, SvdLinear] => e[1] instanceof SvdLinear && e[1].hasAdapter(name),
  );
}

/** Rank allocators of the adapters being trained, per adapted model. */
const allocators = new WeakMap<AnyModule, Map<string, RankAllocator>>();

function allocatorOf(model: AnyModule, name: string): RankAllocator | undefined {
  return allocators.get(model)?.get(name);
}

function dropAllocator(model: AnyModule, name: string): void {
  allocatorOf(model, name)?.dispose();
  allocators.get(model)?.delete(name);
}

/**
 * Starts rank allocation for adapter `ctx.adapterName`: `totalStep` from the config, else the
 * run's total steps. Without either, allocation cannot be scheduled: an error naming the field.
 */
function startAllocator(
  ctx: MethodTrainingContext<AdaloraConfig>,
  totalSteps: number | undefined,
): RankAllocator {
  const { model, adapterName, config } = ctx;
  const totalStep = config.totalStep ?? totalSteps;
  if (totalStep === undefined) {
    throw new Error(
      `ADALORA adapter '${adapterName}': totalStep is required (the run's total optimizer steps are not known: ` +
        'set totalStep in the peft config, or give the run maxSteps or a train loader with a length)',
    );
  }
  const problem = scheduleProblem(config.tinit, config.tfinal, totalStep);
  if (problem) throw new Error(`ADALORA adapter '${adapterName}': ${problem}`);
  dropAllocator(model, adapterName);
  const allocator = new RankAllocator(
    { ...config, totalStep },
    svdLayers(model, adapterName),
    adapterName,
    config.rankPattern,
  );
  const byName = allocators.get(model) ?? new Map<string, RankAllocator>();
  allocators.set(model, byName);
  byName.set(adapterName, allocator);
  return allocator;
}

const tuner = defineTunerMethod<AdaloraConfig>({
  peftType: 'ADALORA',
  config: adaloraConfig,
  factories: [layerFactory('Linear', Linear, SvdLinear)],
  layerClasses: [SvdLinear],
  mergeable: true,
  layerConfig: (config, match) => ({ ...adaloraSettingsFor(config, match.path) }),
});

/**
 * AdaLoRA as a `PeftMethod` (HF's `AdaLoraModel`): SVD-form adapters on Linear layers, the
 * orthogonal regulariser added to the training loss and rank allocation after every optimizer
 * step, both through `PeftMethod.training` (the Trainer only calls the model's `TrainingHooks`).
 * Saving writes the kept triplets only and the `rank_pattern`, as HF does; loading such a file
 * builds each layer at its kept rank.
 */
export const adaloraMethod: PeftMethod<AdaloraConfig> = {
  ...tuner,
  remove(model, adapterName) {
    dropAllocator(model, adapterName);
    tuner.remove(model, adapterName);
  },
  // The allocators' smoothed importance outlives training when a run stops before
  // `totalStep - tfinal`.
  releaseState(model) {
    for (const a of allocators.get(model)?.values() ?? []) a.dispose();
    allocators.delete(model);
  },
  training: {
    begin(ctx, info) {
      startAllocator(ctx, info.totalSteps);
    },
    loss(ctx) {
      if (ctx.config.orthRegWeight === 0) return undefined;
      const layers = svdLayers(ctx.model, ctx.adapterName).map(([, l]) => l);
      const reg = orthogonalRegularization(layers, ctx.adapterName);
      if (!reg) return undefined;
      return tf.tidy(() => tf.mul(reg, ctx.config.orthRegWeight) as tf.Scalar);
    },
    afterStep(ctx, info) {
      const allocator = allocatorOf(ctx.model, ctx.adapterName) ?? startAllocator(ctx, undefined);
      allocator.updateAndAllocate(info.step - 1, (p) => info.gradient(p));
    },
  },
  savedConfig(model, adapterName, config) {
    const allocator = allocatorOf(model, adapterName);
    const totalStep = allocator?.settings.totalStep ?? config.totalStep;
    const rankPattern = allocator?.rankPattern ?? config.rankPattern;
    return { ...(totalStep !== undefined ? { totalStep } : {}), ...(rankPattern ? { rankPattern } : {}) };
  },
  saveTensors(model, adapterName, config) {
    const pattern = allocatorOf(model, adapterName)?.rankPattern ?? config.rankPattern;
    const out = new Map<string, Parameter>();
    for (const [path, layer] of svdLayers(model, adapterName)) {
      const keep = pattern?.[rankPatternKey(path)];
      const r = layer.rank(adapterName);
      // HF slices only layers still at the pattern's full rank (a loaded file is already sliced).
      const kept =
        keep && keep.length === r && keep.some((k) => !k)
          ? keep.flatMap((k, i) => (k ? [i] : []))
          : undefined;
      const { a, b, e } = layer.factors(adapterName);
      for (const [key, p, axis] of [
        ['lora_A', a, 1],
        ['lora_B', b, 0],
        ['lora_E', e, 0],
      ] as const) {
        const value = kept ? tf.tidy(() => tf.gather(p.value, tf.tensor1d(kept, 'int32'), axis)) : p.value;
        try {
          out.set(`${path}.${key}`, new Parameter(value, { layout: p.layout, trainable: false }));
        } finally {
          if (value !== p.value) value.dispose();
        }
      }
    }
    return out;
  },
};
