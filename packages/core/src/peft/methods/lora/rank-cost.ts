import { type AnyModule, Conv1d, Conv2d, Embedding, Linear } from '../../../nn/index.js';

/** The module kinds LoRA builds a layer for (the method's layer factories, in dispatch order). */
export type LoraModuleKind = 'Linear' | 'Embedding' | 'Conv1d' | 'Conv2d';

/** What one unit of LoRA rank costs on a module, and which ranks make sense there. */
export interface LoraRankCost {
  readonly kind: LoraModuleKind;
  /** Trainable parameters per unit of rank (biases and DoRA magnitudes, per module not per rank, excluded). */
  readonly paramsPerRank: number;
  /** Largest rank the update can use: the rank of the weight update seen as a matrix. */
  readonly maxRank: number;
  /** Ranks must be multiples of this (a conv's `groups`, as `lora_B` is grouped); 1 otherwise. */
  readonly rankMultiple: number;
}

/**
 * The LoRA parameter count per rank of `module`, as peftkit's (and HF PEFT's) LoRA layers build
 * them, or `undefined` for a module LoRA cannot wrap:
 * - `Linear(in, out)`: `lora_A` r x in, `lora_B` out x r: `in + out`, max rank `min(in, out)`;
 * - `Embedding(num, dim)`: `lora_embedding_A` r x num, `lora_embedding_B` dim x r: `num + dim`,
 *   max rank `min(num, dim)`;
 * - `Conv1d` / `Conv2d(in, out, k, groups)`: `lora_A` a conv `in -> r` with the base's kernel
 *   (`in * k` or `in * kh * kw` per rank), `lora_B` a 1x1 conv `r -> out` with the base's groups
 *   (`out / groups` per rank); max rank `min(in * kernel area, out)`; r a multiple of `groups`.
 *
 * @example
 * loraRankCost(new Linear(128, 512)); // { kind: 'Linear', paramsPerRank: 640, maxRank: 128, rankMultiple: 1 }
 */
export function loraRankCost(module: AnyModule): LoraRankCost | undefined {
  if (module instanceof Linear) {
    const { inFeatures: i, outFeatures: o } = module;
    return { kind: 'Linear', paramsPerRank: i + o, maxRank: Math.min(i, o), rankMultiple: 1 };
  }
  if (module instanceof Embedding) {
    const { numEmbeddings: n, embeddingDim: d } = module;
    return { kind: 'Embedding', paramsPerRank: n + d, maxRank: Math.min(n, d), rankMultiple: 1 };
  }
  if (module instanceof Conv1d || module instanceof Conv2d) {
    const area = module instanceof Conv1d ? module.kernelSize : module.kernelSize[0] * module.kernelSize[1];
    const { inChannels: i, outChannels: o, groups } = module;
    return {
      kind: module instanceof Conv1d ? 'Conv1d' : 'Conv2d',
      paramsPerRank: i * area + o / groups,
      maxRank: Math.min(i * area, o),
      rankMultiple: groups,
    };
  }
  return undefined;
}
