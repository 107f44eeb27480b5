import { type AnyModule, Linear, type Parameter } from '../../../nn/index.js';
import type { PeftMethod } from '../../method.js';
import { adapterLayers, defineTunerMethod } from '../../tuner.js';
import { type LoraConfig, loraConfig, loraSettingsFor } from './config.js';
import { LoraLinear } from './linear.js';

const tuner = defineTunerMethod<LoraConfig>({
  peftType: 'LORA',
  config: loraConfig,
  factories: [
    {
      baseType: 'Linear',
      matches: (m) => m instanceof Linear,
      create: (base, routing) => new LoraLinear(base, routing),
    },
  ],
  layerClasses: [LoraLinear],
  mergeable: true,
  layerConfig: (config, match) => ({ ...loraSettingsFor(config, match.path) }),
});

/**
 * LoRA as a `PeftMethod`. `bias: 'all'` trains every bias of the model, `'lora_only'` the biases
 * of adapted layers; both are saved with the adapter, as in HF PEFT.
 */
export const loraMethod: PeftMethod<LoraConfig> = {
  ...tuner,
  markTrainable(model, config) {
    for (const p of loraBiases(model, config).values()) p.trainable = true;
  },
  adapterParameters(model, adapterName, config) {
    const out = tuner.adapterParameters(model, adapterName, config);
    for (const [k, p] of loraBiases(model, config)) out.set(k, p);
    return out;
  },
};

/** Biases that `bias: 'all' | 'lora_only'` trains and saves, keyed by model path. */
function loraBiases(model: AnyModule, config: LoraConfig): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  if (config.bias === 'all') {
    for (const [name, p] of model.namedParameters()) {
      if ((name === 'bias' || name.endsWith('.bias')) && !name.includes('.modules_to_save.'))
        out.set(name, p);
    }
  } else if (config.bias === 'lora_only') {
    for (const [path, layer] of adapterLayers(model)) {
      if (layer instanceof LoraLinear && layer.linear.bias)
        out.set(`${path}.base_layer.bias`, layer.linear.bias);
    }
  }
  return out;
}
