import { type AnyModule, Conv1d, Conv2d, Embedding, Linear, type Parameter } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import { resolveTargets, unwrapBase } from '../../targets.js';
import { adapterLayers, defineTunerMethod, layerFactory } from '../../tuner.js';
import { type LoraConfig, loraConfig, loraSettingsFor } from './config.js';
import { LoraConv1d, LoraConv2d } from './conv.js';
import { LoraEmbedding } from './embedding.js';
import { LoraLayer } from './layer-common.js';
import { LoraLinear } from './linear.js';
import { checkLoraSettings } from './settings-check.js';
import { addWeightedLoraAdapter } from './weighted-adapter.js';

const tuner = defineTunerMethod<LoraConfig>({
  peftType: 'LORA',
  config: loraConfig,
  // Ordered dispatch, as HF's dispatch_default: the first factory whose base type matches wins.
  factories: [
    layerFactory('Linear', Linear, LoraLinear),
    layerFactory('Embedding', Embedding, LoraEmbedding),
    layerFactory('Conv1d', Conv1d, LoraConv1d),
    layerFactory('Conv2d', Conv2d, LoraConv2d),
  ],
  layerClasses: [LoraLayer],
  mergeable: true,
  layerConfig: (config, match) => ({ ...loraSettingsFor(config, match.path) }),
});

/**
 * LoRA as a `PeftMethod`. `bias: 'all'` trains every bias of the model, `'lora_only'` the biases
 * of adapted layers; both are saved with the adapter under the model's own keys
 * (`...query.base_layer.bias` for adapted layers), as in HF PEFT.
 */
export const loraMethod: PeftMethod<LoraConfig> = {
  ...tuner,
  inject(ctx, config, adapterName) {
    // Check every target first: PiSSA rewrites base weights, so a failure half-way through the
    // targets would leave the model changed.
    for (const match of resolveTargets(ctx.model, config, { placement: ctx.placement }).matched) {
      try {
        checkLoraSettings(unwrapBase(match.module), loraSettingsFor(config, match.path));
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)} (target '${match.path}')`);
      }
    }
    return tuner.inject(ctx, config, adapterName);
  },
  markTrainable(model, config) {
    for (const p of loraBiases(model, config).values()) p.trainable = true;
  },
  adapterParameters(model, adapterName, config) {
    const out = tuner.adapterParameters(model, adapterName, config);
    for (const [k, p] of loraBiases(model, config)) out.set(k, p);
    return out;
  },
  addWeightedAdapter: addWeightedLoraAdapter,
};

/** Biases that `bias: 'all' | 'lora_only'` trains and saves, keyed by model path. */
function loraBiases(model: AnyModule, config: LoraConfig): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  if (config.bias === 'all') {
    // Adapter-owned parameters (lora_B biases, modulesToSave copies) are not "the model's biases".
    const owned = new Set<Parameter>();
    for (const [, layer] of adapterLayers(model))
      for (const n of layer.adapterNames()) for (const p of layer.adapterParameters(n)) owned.add(p);
    for (const [name, p] of model.namedParameters()) {
      if ((name === 'bias' || name.endsWith('.bias')) && !owned.has(p)) out.set(name, p);
    }
  } else if (config.bias === 'lora_only') {
    for (const [path, layer] of adapterLayers(model)) {
      const bias = layer instanceof LoraLayer ? layer.baseBias : undefined;
      if (bias) out.set(`${path}.base_layer.bias`, bias);
    }
  }
  return out;
}
