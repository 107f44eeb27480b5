import type { AnyModule } from '../../../nn/index.js';
import { isPrefixHost } from '../../../nn/index.js';
import { rootKey } from '../../adapter-file.js';
import type { PeftMethod } from '../../method.js';
import { unwrapBase } from '../../targets.js';
import { adapterLayers, checkTarget } from '../../tuner.js';
import { PROMPT_EMBEDDINGS_KEY } from '../prompt-tuning/method.js';
import { promptDefaultTargets, resolvePromptTargets } from '../prompt-tuning/targets.js';
import { type PrefixTuningConfig, prefixTuningConfig } from './config.js';
import { PrefixEncoder } from './encoder.js';
import { PrefixTuningLayer } from './layer.js';

function prefixLayers(model: AnyModule): [string, PrefixTuningLayer][] {
  return adapterLayers(model).filter(
    (e): e is [string, PrefixTuningLayer] => e[1] instanceof PrefixTuningLayer,
  );
}

function encoderOf(model: AnyModule, adapterName: string): PrefixEncoder {
  const holder = prefixLayers(model).find(([, l]) => l.hasAdapter(adapterName));
  if (!holder) throw new Error(`PREFIX_TUNING: the model has no prefix adapter '${adapterName}'`);
  return holder[1].encoderFor(adapterName);
}

/**
 * Which of the prefix's `numLayers` key/value slots attention host `i` reads. One stack: its own.
 * Encoder-decoders (2 submodules): HF PEFT doubles the `[numLayers * 2]` key/value list, splits it
 * in groups of four (self key, self value, cross key, cross value) per decoder layer and then
 * drops the cross pair (the cross-attention cache is rebuilt from the encoder output), so decoder
 * layer `i`'s self-attention reads slot `2i mod numLayers`; the hosts are the decoder
 * self-attentions.
 */
export function prefixSlot(i: number, numLayers: number, submodules: 1 | 2): number {
  return submodules === 2 ? (2 * i) % numLayers : i;
}

/** Checks a config value against what the model says; the error names the field. */
function agree(field: string, given: number | undefined, actual: number, what: string): number {
  if (given !== undefined && given !== actual) {
    throw new Error(`PREFIX_TUNING: ${field} is ${given}, but ${what} ${actual}`);
  }
  return actual;
}

/**
 * Prefix tuning (HF `PREFIX_TUNING`, Li & Liang 2021) as a `PeftMethod`: per-layer key/value
 * prefixes on every `attention` module (placement role, or `targetModules`; for encoder-decoders
 * the decoder self-attentions, laid out as `prefixSlot` says), through
 * `MultiHeadAttention.setPrefixProvider`. The file holds `prompt_embeddings`
 * `[numVirtualTokens, numLayers * 2 * tokenDim]` at the top level: the prefix itself, and with
 * `prefixProjection` the prefix the MLP computes (HF saves that too). A loaded adapter therefore
 * runs as its computed prefix, as HF does in inference mode; loaded trainable, it trains that
 * prefix directly (HF cannot load it trainable).
 */
export const prefixTuningMethod: PeftMethod<PrefixTuningConfig> = {
  peftType: 'PREFIX_TUNING',
  config: prefixTuningConfig,
  mergeable: false,
  promptLearning: true,
  defaultTargets: promptDefaultTargets('attention'),
  perExampleRouting: false,

  inject(ctx, config, adapterName) {
    const matched = resolvePromptTargets(ctx, config, 'attention', 'PREFIX_TUNING');
    const hosts = matched.map(({ path, module }) => {
      checkTarget('PREFIX_TUNING', path, module, [PrefixTuningLayer], adapterName);
      const base = unwrapBase(module);
      if (!isPrefixHost(base)) {
        throw new Error(
          `PREFIX_TUNING cannot wrap '${path}' of type ${base.typeName}; it needs an attention module with ` +
            'setPrefixProvider (a PrefixHost: MultiHeadAttention or a PrefixTunableAttention subclass)',
        );
      }
      return { path, module, base };
    });
    const numLayers = agree(
      'numLayers',
      config.numLayers,
      hosts.length,
      'the number of attention modules is',
    );
    const dims = new Set(hosts.map((h) => h.base.embedDim));
    const heads = new Set(hosts.map((h) => h.base.numHeads));
    const known = dims.size === 1 && !dims.has(undefined);
    if (dims.size > 1) {
      throw new Error(`PREFIX_TUNING: the attention modules differ in width (${[...dims].join(', ')})`);
    }
    const tokenDim = known
      ? agree('tokenDim', config.tokenDim, [...dims][0] as number, 'the attention modules have embedDim')
      : config.tokenDim;
    if (tokenDim === undefined) {
      throw new Error(
        'PREFIX_TUNING: tokenDim is required: the attention modules do not state their embedDim',
      );
    }
    let numAttentionHeads = config.numAttentionHeads;
    if (heads.size === 1 && !heads.has(undefined)) {
      numAttentionHeads = agree(
        'numAttentionHeads',
        config.numAttentionHeads,
        [...heads][0] as number,
        'the attention modules have',
      );
    }
    const submodules = config.numTransformerSubmodules ?? ctx.placement?.transformerSubmodules ?? 1;
    // HF builds the MLP only for training; an inference-mode adapter is its computed prefix.
    const project = config.prefixProjection && !config.inferenceMode;
    const encoder = new PrefixEncoder({
      numVirtualTokens: config.numVirtualTokens,
      tokenDim,
      numLayers,
      projectionHidden: project ? config.encoderHiddenSize : undefined,
      zeroInit: config.initWeights === 'zero',
    });
    hosts.forEach(({ path, module }, i) => {
      const layer = module instanceof PrefixTuningLayer ? module : new PrefixTuningLayer(module, ctx.routing);
      if (layer !== module) ctx.model.setSubmodule(path, layer);
      layer.addAdapter(adapterName, { encoder, layerIndex: prefixSlot(i, numLayers, submodules) });
    });
    return {
      targets: hosts.map((h) => h.path),
      fileConfig: {
        numTransformerSubmodules: submodules,
        numLayers,
        tokenDim,
        ...(numAttentionHeads !== undefined ? { numAttentionHeads } : {}),
      },
    };
  },

  adapterParameters(model, adapterName) {
    return new Map([[rootKey(PROMPT_EMBEDDINGS_KEY), encoderOf(model, adapterName).promptEmbeddings()]]);
  },

  loadTargets(model, adapterName) {
    return new Map([[rootKey(PROMPT_EMBEDDINGS_KEY), encoderOf(model, adapterName).flatten()]]);
  },

  remove(model, adapterName) {
    for (const [path, layer] of prefixLayers(model)) {
      if (!layer.hasAdapter(adapterName)) continue;
      layer.deleteAdapter(adapterName);
      if (layer.adapterNames().length === 0) model.setSubmodule(path, layer.base);
    }
  },

  syncState(model, { active }) {
    const held = new Set(prefixLayers(model).flatMap(([, l]) => l.adapterNames()));
    const mine = active.filter((n) => held.has(n));
    if (mine.length > 1) {
      throw new Error(
        `PREFIX_TUNING: only one prefix adapter can be active at a time, got ${mine.join(', ')}`,
      );
    }
  },
};
