import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Embedding, Module, type Parameter } from '../../../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';

/**
 * One adapter's virtual tokens, after HF's `PromptEmbedding`: an `embedding` table of
 * `[numVirtualTokens * numTransformerSubmodules, tokenDim]` whose first `used` rows are the
 * prompt, in order. Encoder-decoders (2 submodules) keep a second block of rows, as HF saves it,
 * that prompt tuning never reads (HF's P-tuning gives it to the decoder).
 */
export class PromptEmbedding extends Module<[number], tf.Tensor> {
  /** Rows prepended to the embedding output. */
  readonly used: number;

  constructor(rows: number, dim: number, initial?: tf.Tensor2D, used = rows) {
    super();
    this.used = used;
    const table = this.registerModule('embedding', new Embedding(rows, dim));
    if (initial) table.weight.assign(initial);
  }

  get weight(): Parameter {
    return this.child<Embedding>('embedding').weight;
  }

  /** The prompt repeated for each batch row, `[B, P, D]`. */
  forward(batchSize: number): tf.Tensor {
    // Broadcast the table instead of gathering rows: the gradient is a plain sum, where gather's
    // would go through UnsortedSegmentSum (slow on the cpu backend).
    const all = this.weight.value;
    const w = this.used === all.shape[0] ? all : tf.slice(all, [0, 0], [this.used, -1]);
    return tf.broadcastTo(tf.expandDims(w, 0), [batchSize, ...w.shape]);
  }
}

/** What `PromptTuningLayer.addAdapter` needs (the method computes the init). */
export interface PromptLayerSettings {
  /** Rows of the table (`numVirtualTokens * numTransformerSubmodules`). */
  numVirtualTokens: number;
  /** Rows prepended to the embedding output (default all). */
  usedTokens?: number;
  tokenDim: number;
  /** `[numVirtualTokens, tokenDim]`, copied; random N(0, 1) when absent (HF's RANDOM). */
  initial?: tf.Tensor2D;
}

/**
 * Prompt tuning on the model's `embed` module: its output `[B, T, D]` gets the active adapter's
 * `P` virtual tokens prepended, giving `[B, P + T, D]`. Only one prompt adapter can be active;
 * disabled (or none active) means the plain embedding. Per-example routing is refused: rows
 * would need different lengths.
 */
export class PromptTuningLayer extends AdapterLayer<unknown[], tf.Tensor> {
  readonly adapterContainers = ['prompt_encoder'] as const;

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing);
    this.registerModule('prompt_encoder', new AdapterModuleDict<PromptEmbedding>());
  }

  private get prompts(): AdapterModuleDict<PromptEmbedding> {
    return this.child<AdapterModuleDict<PromptEmbedding>>('prompt_encoder');
  }

  /** The trained table of adapter `name` (`prompt_embeddings` in HF files). */
  promptWeight(name: string): Parameter {
    return this.prompts.get(name).weight;
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as PromptLayerSettings;
    this.prompts.set(name, new PromptEmbedding(s.numVirtualTokens, s.tokenDim, s.initial, s.usedTokens));
  }

  forward(...inputs: unknown[]): tf.Tensor {
    if (this.routing.adapterNames) {
      throw new Error(
        'PROMPT_TUNING: per-example adapterNames are not supported (rows with and without a prompt would differ in length)',
      );
    }
    const out = this.base.forward(...inputs) as tf.Tensor;
    const names = this.adaptersForCall();
    if (names.length === 0) return out;
    if (names.length > 1) {
      throw new Error(`PROMPT_TUNING: only one prompt adapter can be active, got ${names.join(', ')}`);
    }
    const prompt = this.prompts.get(names[0] as string);
    const dim = prompt.weight.shape[1] as number;
    if (out.rank !== 3 || out.shape[2] !== dim) {
      throw new Error(
        `PROMPT_TUNING: the embed module ${this.base.typeName} must return [B, T, ${dim}] (tokenDim), got [${out.shape}]`,
      );
    }
    return tf.concat([prompt.forward(out.shape[0] as number), out], 1);
  }
}

/**
 * `module` without prompt tuning's virtual tokens: the wrapped embedding when `module` is a
 * `PromptTuningLayer` (other adapters it wraps still apply), else `module` itself. For models
 * that use one embedding for two stacks (encoder-decoders): the prompt goes in front of the
 * encoder input only, as HF PEFT feeds it, so the decoder embeds through this.
 */
export function withoutVirtualTokens(module: AnyModule): AnyModule {
  return module instanceof PromptTuningLayer ? module.base : module;
}
