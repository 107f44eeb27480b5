import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Embedding, Linear } from '../../../nn/index.js';
import { rootKey } from '../../adapter-file.js';
import type { PeftMethod } from '../../method.js';
import { unwrapBase } from '../../targets.js';
import { adapterLayers, checkTarget } from '../../tuner.js';
import { type PromptTuningConfig, promptTuningConfig } from './config.js';
import { PromptTuningLayer } from './layer.js';
import { promptDefaultTargets, resolvePromptTargets } from './targets.js';

/** HF's file key for the trained prompt, stored at the top level of the safetensors file. */
export const PROMPT_EMBEDDINGS_KEY = 'prompt_embeddings';

function promptLayers(model: AnyModule): [string, PromptTuningLayer][] {
  return adapterLayers(model).filter(
    (e): e is [string, PromptTuningLayer] => e[1] instanceof PromptTuningLayer,
  );
}

/** Width of the embed module's output, when its type tells. */
function inferTokenDim(base: AnyModule): number | undefined {
  if (base instanceof Embedding) return base.embeddingDim;
  if (base instanceof Linear) return base.outFeatures;
  return undefined;
}

/** HF's TEXT init with ids given: repeat or cut the ids to `rows`, look up their embeddings. */
function tokenInit(base: AnyModule, ids: readonly number[], rows: number, where: string): tf.Tensor2D {
  if (!(base instanceof Embedding)) {
    throw new Error(
      `PROMPT_TUNING: promptTuningInit 'tokens' needs the embed module to be an Embedding, '${where}' is ${base.typeName}`,
    );
  }
  const bad = ids.find((id) => id >= base.numEmbeddings);
  if (bad !== undefined) {
    throw new Error(
      `PROMPT_TUNING: promptTuningInitTokenIds has id ${bad}, outside the vocabulary of '${where}' (${base.numEmbeddings} rows)`,
    );
  }
  const picked = Array.from({ length: rows }, (_, i) => ids[i % ids.length] as number);
  return tf.tidy(() => tf.gather(base.weight.value, tf.tensor1d(picked, 'int32')) as tf.Tensor2D);
}

/**
 * Prompt tuning (HF `PROMPT_TUNING`, Lester et al. 2021) as a `PeftMethod`: trained virtual
 * tokens prepended to the output of the model's `embed` module. The file holds
 * `prompt_embeddings` `[numVirtualTokens * numTransformerSubmodules, tokenDim]` at the top level and `modulesToSave` under
 * `base_model.<path>`, as HF's prompt-learning PeftModel writes them. Models whose forward uses the
 * sequence length elsewhere (masks, positions) implement `PromptAware`.
 */
export const promptTuningMethod: PeftMethod<PromptTuningConfig> = {
  peftType: 'PROMPT_TUNING',
  config: promptTuningConfig,
  mergeable: false,
  promptLearning: true,
  defaultTargets: promptDefaultTargets('embed'),
  perExampleRouting: false,

  inject(ctx, config, adapterName) {
    const matched = resolvePromptTargets(ctx, config, 'embed', 'PROMPT_TUNING');
    if (matched.length !== 1) {
      throw new Error(
        `PROMPT_TUNING: the prompt goes on exactly one embed module, but the targets matched ${matched.length}: ${matched.map((m) => m.path).join(', ')}`,
      );
    }
    const { path, module } = matched[0] as (typeof matched)[number];
    checkTarget('PROMPT_TUNING', path, module, [PromptTuningLayer], adapterName);
    const base = unwrapBase(module);
    const inferred = inferTokenDim(base);
    const tokenDim = config.tokenDim ?? inferred;
    if (tokenDim === undefined) {
      throw new Error(
        `PROMPT_TUNING: tokenDim is required: the width of '${path}' (${base.typeName}) cannot be inferred`,
      );
    }
    if (inferred !== undefined && inferred !== tokenDim) {
      throw new Error(
        `PROMPT_TUNING: tokenDim is ${tokenDim}, but '${path}' (${base.typeName}) outputs ${inferred}`,
      );
    }
    const submodules = config.numTransformerSubmodules ?? ctx.placement?.transformerSubmodules ?? 1;
    const rows = config.numVirtualTokens * submodules;
    const initial =
      config.promptTuningInit === 'tokens'
        ? tokenInit(base, config.promptTuningInitTokenIds ?? [], rows, path)
        : undefined;
    try {
      const layer = module instanceof PromptTuningLayer ? module : new PromptTuningLayer(module, ctx.routing);
      if (layer !== module) ctx.model.setSubmodule(path, layer);
      layer.addAdapter(adapterName, {
        numVirtualTokens: rows,
        usedTokens: config.numVirtualTokens,
        tokenDim,
        initial,
      });
    } finally {
      initial?.dispose();
    }
    return { targets: [path], fileConfig: { numTransformerSubmodules: submodules, tokenDim } };
  },

  adapterParameters(model, adapterName) {
    const holder = promptLayers(model).find(([, l]) => l.hasAdapter(adapterName));
    if (!holder) throw new Error(`PROMPT_TUNING: the model has no prompt adapter '${adapterName}'`);
    return new Map([[rootKey(PROMPT_EMBEDDINGS_KEY), holder[1].promptWeight(adapterName)]]);
  },

  remove(model, adapterName) {
    for (const [path, layer] of promptLayers(model)) {
      if (!layer.hasAdapter(adapterName)) continue;
      layer.deleteAdapter(adapterName);
      if (layer.adapterNames().length === 0) model.setSubmodule(path, layer.base);
    }
  },

  // Only the first block of rows is prepended (encoder-decoders: to the encoder input, as HF).
  virtualTokens: (config) => config.numVirtualTokens,

  syncState(model, { active }) {
    const held = new Set(promptLayers(model).flatMap(([, l]) => l.adapterNames()));
    const mine = active.filter((n) => held.has(n));
    if (mine.length > 1) {
      throw new Error(
        `PROMPT_TUNING: only one prompt adapter can be active at a time, got ${mine.join(', ')}`,
      );
    }
  },
};
