import {
  activationFromName,
  type Embedding,
  LayerNorm,
  Linear,
  Module,
  type Parameter,
  type PromptAware,
  resetFill,
  resetNormal,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../bert/config.js';
import type { BertModel } from '../bert/model.js';
import { runBackbone, type TextInputs, withVirtualTokens } from './backbone.js';
import { TiedLinear } from './tied-linear.js';

/** `cls.predictions.transform`: dense, activation, LayerNorm. */
export class BertPredictionHeadTransform extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(config: BertConfig) {
    super();
    const d = this.registerModule('dense', new Linear(config.hidden_size, config.hidden_size));
    this.registerModule('LayerNorm', new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps }));
    this.act = activationFromName(config.hidden_act);
    resetNormal(d.weight, config.initializer_range);
    if (d.bias) resetFill(d.bias, 0);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child<UnaryModule>('LayerNorm').forward(
      this.act.forward(this.child<UnaryModule>('dense').forward(x)),
    );
  }
}

/**
 * `cls.predictions`: transform, then the decoder tied to the word embeddings, plus `bias` (HF's
 * `cls.predictions.bias`). The decoder lists no weight of its own, so this whole module is the
 * MLM head (`modulesToSave`, head files, reuse from a base) without copying the embedding.
 */
export class BertLmPredictionHead extends Module<[tf.Tensor], tf.Tensor> {
  readonly bias: Parameter;

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.registerModule('transform', new BertPredictionHeadTransform(config));
    this.bias = this.initParameter('bias', () => tf.zeros([config.vocab_size]));
    this.registerModule('decoder', new TiedLinear(wordEmbeddings, { listWeight: false }));
  }

  forward(hidden: tf.Tensor): tf.Tensor {
    const transformed = this.child<UnaryModule>('transform').forward(hidden);
    return tf.add(this.child<UnaryModule>('decoder').forward(transformed), this.bias.value);
  }
}

/** `cls` of HF's `BertOnlyMLMHead`. */
class BertOnlyMlmHead extends Module<[tf.Tensor], tf.Tensor> {
  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.registerModule('predictions', new BertLmPredictionHead(config, wordEmbeddings));
  }

  forward(hidden: tf.Tensor): tf.Tensor {
    return this.child<UnaryModule>('predictions').forward(hidden);
  }
}

/**
 * A masked-LM model's arguments: token ids, the other inputs, and optionally the flat positions
 * (int32 `[M]`, indices into `B * T` of the ids' grid) at which to compute logits.
 */
export type MaskedLmArgs = [inputIds: tf.Tensor, inputs?: TextInputs, positions?: tf.Tensor];

/**
 * Rows of `hidden [B, T', H]` at flat `positions` of the ids' `[B, T]` grid: `[M, H]`. Prompt
 * tuning prepends `T' - T` virtual tokens, so a position `b * T + t` reads row `b * T' + (T' - T) + t`.
 * `tf.gather`'s gradient is an UnsortedSegmentSum, which core's kernel fixes make one linear pass.
 */
export function hiddenAt(hidden: tf.Tensor, inputIds: tf.Tensor, positions: tf.Tensor): tf.Tensor {
  const [b, tPrime, h] = hidden.shape as [number, number, number];
  const t = inputIds.shape[1] as number;
  if (positions.rank !== 1 || positions.dtype !== 'int32') {
    throw new Error(
      `masked-LM positions must be an int32 [M] tensor, got ${positions.dtype} [${positions.shape}]`,
    );
  }
  if (tPrime < t) throw new Error(`hidden states cover ${tPrime} positions, the input ids ${t}`);
  const int = (n: number) => tf.scalar(n, 'int32'); // a plain number would make the sum float32
  const rows =
    tPrime === t
      ? positions
      : tf.add(
          tf.add(tf.mul(tf.floorDiv(positions, int(t)), int(tPrime)), tf.mod(positions, int(t))),
          int(tPrime - t),
        );
  return tf.gather(tf.reshape(hidden, [b * tPrime, h]), rows);
}

/** `[ids, inputs, positions]` with `count` virtual tokens in front of the per-position inputs. */
export function maskedLmWithVirtualTokens(args: MaskedLmArgs, count: number): MaskedLmArgs {
  const [ids, inputs] = withVirtualTokens([args[0], args[1]], count);
  return args.length > 2 ? [ids, inputs, args[2]] : [ids, inputs];
}

/**
 * HF's `BertForMaskedLM`: `bert` and `cls.predictions.{transform.dense, transform.LayerNorm, bias,
 * decoder}` with the decoder weight tied to `bert.embeddings.word_embeddings.weight` (held by
 * reference, as HF's files leave the tied key out). Output: vocabulary logits `[B, T, V]`, or
 * `[M, V]` at the given flat positions only (the masked-LM head's training and eval path: the
 * transform and decoder are per-position, so skipping unmasked positions changes no value).
 */
export class MaskedLmModel extends Module<MaskedLmArgs, tf.Tensor> implements PromptAware<MaskedLmArgs> {
  readonly basePath = 'bert';
  /** The head: transform and output bias (the decoder weight is the embedding itself). */
  readonly headPaths: readonly string[] = ['cls.predictions'];

  constructor(base: BertModel) {
    super();
    this.registerModule('bert', base);
    const words = base.getSubmodule('embeddings.word_embeddings') as Embedding;
    this.registerModule('cls', new BertOnlyMlmHead(base.config, words));
  }

  get base(): BertModel {
    return this.child<BertModel>('bert');
  }

  withVirtualTokens(inputs: MaskedLmArgs, count: number): MaskedLmArgs {
    return maskedLmWithVirtualTokens(inputs, count);
  }

  forward(inputIds: tf.Tensor, inputs: TextInputs = {}, positions?: tf.Tensor): tf.Tensor {
    const { hidden } = runBackbone(this.base, inputIds, inputs);
    return this.child<UnaryModule>('cls').forward(positions ? hiddenAt(hidden, inputIds, positions) : hidden);
  }

  /** Logits `[M, V]` at flat `positions` (int32 `[M]`, indices into `B * T`) only. */
  forwardAt(inputIds: tf.Tensor, inputs: TextInputs, positions: tf.Tensor): tf.Tensor {
    return this.forward(inputIds, inputs, positions);
  }
}
