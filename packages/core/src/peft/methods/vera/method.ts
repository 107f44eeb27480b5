import { type AnyModule, Linear, type Parameter } from '../../../nn/index.js';
import { tunerKey } from '../../adapter-file.js';
import type { AdapterLayer } from '../../adapter-layer.js';
import type { PeftMethod } from '../../method.js';
import { adapterLayers, defineTunerMethod, layerFactory } from '../../tuner.js';
import { type VeraConfig, veraConfig, veraSettingsFor } from './config.js';
import { VeraLinear } from './layer.js';
import { makeVeraProjections, type VeraPair } from './projections.js';

/**
 * Creates adapter `name`'s shared projections once every target is wrapped, sized to the
 * largest input and output among its layers (HF's `_find_dim`), and hands the same two buffers
 * to every layer.
 */
function attachSharedProjections(
  config: VeraConfig,
  name: string,
  layers: readonly AdapterLayer[],
  warn: (m: string) => void,
): void {
  const vera = layers.filter((l): l is VeraLinear => l instanceof VeraLinear);
  const inMax = Math.max(...vera.map((l) => l.linear.inFeatures));
  const outMax = Math.max(...vera.map((l) => l.linear.outFeatures));
  const pair = makeVeraProjections(config.r, inMax, outMax, config.projectionPrngKey);
  for (const l of vera) l.attachProjections(name, pair);
  if (!config.saveProjection) {
    warn(
      `VERA adapter '${name}': saveProjection is false, so vera_A/vera_B are not saved and are rebuilt from ` +
        `projectionPrngKey with peftkit's generator on load. That reproduces peftkit files only; PyTorch builds ` +
        'different matrices for the same key, so such files do not move between peftkit and HF PEFT.',
    );
  }
  if (config.fanInFanOut)
    warn(`VERA adapter '${name}': fanInFanOut is for Conv1D weights; ignored for Linear`);
}

/** The shared projections of adapter `name`, from the first layer that holds them. */
function sharedProjections(model: AnyModule, name: string): VeraPair | undefined {
  for (const [, layer] of adapterLayers(model)) {
    if (layer instanceof VeraLinear && layer.hasAdapter(name)) return layer.projections(name);
  }
  return undefined;
}

const tuner = defineTunerMethod<VeraConfig>({
  peftType: 'VERA',
  config: veraConfig,
  factories: [layerFactory('Linear', Linear, VeraLinear)],
  layerClasses: [VeraLinear],
  mergeable: true,
  layerConfig: (config) => ({ ...veraSettingsFor(config) }),
  afterInject: (ctx, config, name, layers) => attachSharedProjections(config, name, layers, ctx.warn),
});

/**
 * VeRA as a `PeftMethod`. The shared projections live where HF keeps them: each `VeraLinear`
 * references them (`vera_A.<adapter>`), and the file stores them once, on the tuner
 * (`base_model.vera_A`, `base_model.vera_B`), when `saveProjection` is on. They are buffers:
 * never trainable, not counted as parameters.
 */
export const veraMethod: PeftMethod<VeraConfig> = {
  ...tuner,
  markTrainable(model, config) {
    for (const p of veraBiases(model, config).values()) p.trainable = true;
  },
  adapterParameters(model, adapterName, config) {
    const out = tuner.adapterParameters(model, adapterName, config);
    if (config.saveProjection) {
      const pair = sharedProjections(model, adapterName);
      if (pair) {
        out.set(tunerKey('vera_A'), pair.A);
        out.set(tunerKey('vera_B'), pair.B);
      }
    }
    for (const [k, p] of veraBiases(model, config)) out.set(k, p);
    return out;
  },
  remove(model, adapterName) {
    const pair = sharedProjections(model, adapterName);
    tuner.remove(model, adapterName);
    // Every layer has dropped its reference now; free the shared buffers once.
    pair?.A.dispose();
    pair?.B.dispose();
  },
};

/** Biases that `bias: 'all' | 'vera_only'` trains and saves, keyed by model path. */
function veraBiases(model: AnyModule, config: VeraConfig): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  if (config.bias === 'all') {
    for (const [name, p] of model.namedParameters()) {
      if ((name === 'bias' || name.endsWith('.bias')) && !name.includes('.modules_to_save.'))
        out.set(name, p);
    }
  } else if (config.bias === 'vera_only') {
    for (const [path, layer] of adapterLayers(model)) {
      if (layer instanceof VeraLinear && layer.linear.bias)
        out.set(`${path}.base_layer.bias`, layer.linear.bias);
    }
  }
  return out;
}
