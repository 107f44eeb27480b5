import * as tf from '@tensorflow/tfjs';
import type { ActivationName } from './activations.js';
import { brandClass } from './brand.js';
import { assertPositiveInt, assertProbability } from './checks.js';
import { dropout as applyDropout, Dropout } from './dropout.js';
import { attachFeedForward, FeedForward, type FeedForwardNames } from './feed-forward.js';
import { LayerNorm } from './layer-norm.js';
import { type AnyModule, Module, type UnaryModule } from './module.js';
import {
  type AttentionCallOptions,
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
} from './multi-head-attention.js';

/**
 * Child names of an encoder layer. Defaults are PyTorch's `nn.TransformerEncoderLayer`; other
 * families rename them:
 *
 * | family                  | selfAttn    | attentionDropout | norm1                  | feedForward    | norm2               |
 * | ----------------------- | ----------- | ---------------- | ---------------------- | -------------- | ------------------- |
 * | PyTorch (default)       | `self_attn` | `dropout1`       | `norm1`                | `''` (flat)    | `norm2`             |
 * | Whisper encoder         | `self_attn` | function         | `self_attn_layer_norm` | `''` (fc1/fc2) | `final_layer_norm`  |
 * | wav2vec2 encoder        | `attention` | `dropout`        | `layer_norm`           | `feed_forward` | `final_layer_norm`  |
 * | DistilBERT              | `attention` | none (p = 0)     | `sa_layer_norm`        | `ffn`          | `output_layer_norm` |
 */
export interface TransformerEncoderLayerNames {
  /** The self-attention (a `MultiHeadAttention`; its projection names come from `attention.names`). */
  selfAttn: string;
  /** Dropout child after the attention; absent = a function (with `attentionOutputDropout`). */
  attentionDropout?: string;
  /** Norm of the attention sub-layer. */
  norm1: string;
  /**
   * `''`: the feed-forward's children sit on the layer itself (PyTorch, Whisper); a name: they
   * sit in a `FeedForward` child of that name (DistilBERT's `ffn`, wav2vec2's `feed_forward`).
   */
  feedForward: string;
  /** The feed-forward's children (see `FeedForwardNames`). */
  ffn: FeedForwardNames;
  /** Norm of the feed-forward sub-layer. */
  norm2: string;
}

/** PyTorch's `nn.TransformerEncoderLayer` names: the default. */
export const TORCH_ENCODER_LAYER_NAMES: Readonly<TransformerEncoderLayerNames> = Object.freeze({
  selfAttn: 'self_attn',
  attentionDropout: 'dropout1',
  norm1: 'norm1',
  feedForward: '',
  ffn: Object.freeze({
    up: 'linear1',
    down: 'linear2',
    activationDropout: 'dropout',
    outputDropout: 'dropout2',
  }),
  norm2: 'norm2',
});

export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block (default 2048, as PyTorch). */
  dimFeedforward?: number;
  /**
   * Dropout after attention, inside and after the feed-forward block, and on attention probs
   * (default 0.1, as PyTorch); the three options below override single positions.
   */
  dropout?: number;
  /** Dropout on the attention probabilities (HF `attention_dropout`; default `dropout`). */
  attentionDropout?: number;
  /** Dropout after the activation (HF `activation_dropout`; default `dropout`). */
  activationDropout?: number;
  /** Dropout on the attention output before the residual (default `dropout`; DistilBERT: 0). */
  attentionOutputDropout?: number;
  /** Feed-forward activation: `'relu'` (default), `'gelu'` or any `activationFromName` name. */
  activation?: ActivationName;
  /** Pre-norm (`x + f(norm(x))`) instead of post-norm (`norm(x + f(x))`, default). */
  normFirst?: boolean;
  layerNormEps?: number;
  /**
   * Child names (default `TORCH_ENCODER_LAYER_NAMES`); `ffn` names merge with the defaults. An
   * optional child (`attentionDropout`, `ffn.activationDropout`, `ffn.outputDropout`) given as
   * `undefined` is left out and applied as a function (Whisper has no dropout modules).
   */
  names?: Partial<Omit<TransformerEncoderLayerNames, 'ffn'>> & { ffn?: Partial<FeedForwardNames> };
  /**
   * Options of the self-attention: projection names, biases, dropout child, init (default:
   * PyTorch's names and init). Its `dropout` defaults to `attentionDropout`.
   */
  attention?: MultiHeadAttentionOptions;
  /**
   * Builds the self-attention instead of a `MultiHeadAttention` from `attention` (a family's own
   * subclass, e.g. one whose constructor takes the HF config). Its forward takes the layer's
   * call options.
   */
  buildAttention?: (dModel: number, nHead: number) => AttentionModule;
  /**
   * Builds the feed-forward child instead of a `FeedForward` from the options above (needs
   * `names.feedForward`, the child's name).
   */
  buildFeedForward?: (dModel: number, dimFeedforward: number) => UnaryModule;
}

/** A self-attention as an encoder layer calls it. */
export type AttentionModule = Module<[tf.Tensor, AttentionCallOptions?], tf.Tensor>;

/** Per-call options shared by encoder layers and stacks. */
export type EncoderCallOptions = Pick<AttentionCallOptions, 'attentionMask' | 'causal'>;

/** What `TransformerEncoder` stacks: `forward(x, options?)` -> same-shaped `x`. */
export type EncoderLayerModule = Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor>;

/**
 * A transformer encoder layer, post-norm `norm2(h + ffn(h))` with `h = norm1(x + attn(x))` or
 * pre-norm `h + ffn(norm2(h))` with `h = x + attn(norm1(x))`, whose children carry the names of
 * the family's checkpoints (`names`, `attention.names`). With the defaults it is PyTorch's
 * `nn.TransformerEncoderLayer` (batch-first): `self_attn`, `linear1`, `dropout`, `linear2`,
 * `norm1`, `norm2`, `dropout1`, `dropout2`, with separate `self_attn.q_proj` ... `out_proj`
 * (PyTorch fuses q/k/v into one `in_proj_weight`; split it at the file boundary). The
 * activation is a plain function as in PyTorch, so state-dict keys match.
 *
 * The attention mask and `causal` flag go to the self-attention unchanged (see
 * `AttentionCallOptions`); prefix tuning reaches the layer through its `MultiHeadAttention`.
 *
 * @example
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 128, normFirst: true });
 * const y = layer.call(x, { attentionMask }); // x: [B, T, 64]
 * // Whisper's encoder layer: HF names, no dropout children, k_proj without bias
 * const whisper = new TransformerEncoderLayer(384, 6, {
 *   dimFeedforward: 1536, activation: 'gelu', normFirst: true, dropout: 0,
 *   names: { attentionDropout: undefined, norm1: 'self_attn_layer_norm', norm2: 'final_layer_norm',
 *     ffn: { up: 'fc1', down: 'fc2', activationDropout: undefined, outputDropout: undefined } },
 *   attention: { bias: { key: false }, init: 'linear' },
 * });
 */
export class TransformerEncoderLayer extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  readonly dModel: number;
  readonly nHead: number;
  readonly dimFeedforward: number;
  readonly normFirst: boolean;
  readonly names: Readonly<TransformerEncoderLayerNames>;
  private readonly attentionOutputDropout: number;
  private readonly feedForward: (x: tf.Tensor) => tf.Tensor;

  constructor(dModel: number, nHead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const caller = new.target.name;
    this.dModel = assertPositiveInt(dModel, 'dModel', caller);
    this.nHead = assertPositiveInt(nHead, 'nHead', caller);
    this.dimFeedforward = assertPositiveInt(options.dimFeedforward ?? 2048, 'dimFeedforward', caller);
    const p = assertProbability(options.dropout ?? 0.1, 'dropout', caller);
    this.attentionOutputDropout = assertProbability(
      options.attentionOutputDropout ?? p,
      'attentionOutputDropout',
      caller,
    );
    const eps = options.layerNormEps ?? 1e-5;
    this.normFirst = options.normFirst ?? false;
    const given = options.names ?? {};
    // Required names fall back to the defaults; an optional child name (the dropouts, the
    // activation) given as `undefined` means "no child", the operation is then a function.
    const ffnGiven = given.ffn ?? {};
    const optional = <T extends object, K extends keyof T>(o: T, k: K, fallback: T[K]) =>
      k in o ? o[k] : fallback;
    const defaults = TORCH_ENCODER_LAYER_NAMES;
    const names: TransformerEncoderLayerNames = {
      selfAttn: given.selfAttn ?? defaults.selfAttn,
      attentionDropout: optional(given, 'attentionDropout', defaults.attentionDropout),
      norm1: given.norm1 ?? defaults.norm1,
      feedForward: given.feedForward ?? defaults.feedForward,
      ffn: {
        up: ffnGiven.up ?? defaults.ffn.up,
        down: ffnGiven.down ?? defaults.ffn.down,
        activation: ffnGiven.activation,
        activationDropout: optional(ffnGiven, 'activationDropout', defaults.ffn.activationDropout),
        outputDropout: optional(ffnGiven, 'outputDropout', defaults.ffn.outputDropout),
      },
      norm2: given.norm2 ?? defaults.norm2,
    };
    this.names = Object.freeze(names);
    // Registration order keeps PyTorch's module order: self_attn, linear1, dropout, linear2,
    // norm1, norm2, dropout1, dropout2 (the flat FFN's output dropout goes last).
    this.registerModule(
      names.selfAttn,
      options.buildAttention?.(dModel, nHead) ??
        new MultiHeadAttention(dModel, nHead, {
          dropout: options.attentionDropout ?? p,
          ...options.attention,
        }),
    );
    const ffnOptions = {
      activation: options.activation ?? 'relu',
      activationDropout: options.activationDropout ?? p,
      dropout: p,
      names: names.ffn,
    } as const;
    const last: [string, AnyModule][] = [];
    if (options.buildFeedForward && names.feedForward === '') {
      throw new Error(`${caller}: buildFeedForward needs names.feedForward (the child's name)`);
    }
    if (names.feedForward === '') {
      this.feedForward = attachFeedForward(
        this,
        (n, m) => {
          if (n === names.ffn.outputDropout) last.push([n, m]);
          else this.registerModule(n, m);
          return m;
        },
        dModel,
        this.dimFeedforward,
        ffnOptions,
        caller,
      );
    } else {
      this.registerModule(
        names.feedForward,
        options.buildFeedForward?.(dModel, this.dimFeedforward) ??
          new FeedForward(dModel, this.dimFeedforward, ffnOptions),
      );
      this.feedForward = (x) => this.child<UnaryModule>(names.feedForward).forward(x);
    }
    this.registerModule(names.norm1, new LayerNorm(dModel, { eps }));
    this.registerModule(names.norm2, new LayerNorm(dModel, { eps }));
    if (names.attentionDropout !== undefined) {
      this.registerModule(names.attentionDropout, new Dropout(this.attentionOutputDropout));
    }
    for (const [n, m] of last) this.registerModule(n, m);
  }

  get selfAttn(): AttentionModule {
    return this.child(this.names.selfAttn);
  }

  forward(x: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    const { norm1, norm2, attentionDropout } = this.names;
    // Each sub-layer in its own tidy scope, so its temporaries are freed when it returns even
    // when a parent calls `forward` (not `call`): without it, a model's whole forward pass stays
    // in memory until the outermost scope ends (under a gradient tape only what the tape saved
    // survives the scope).
    const norm = (name: string, h: tf.Tensor) => tf.tidy(() => this.child<UnaryModule>(name).forward(h));
    const attn = (h: tf.Tensor) =>
      tf.tidy(() => {
        const a = this.selfAttn.forward(h, options);
        return attentionDropout === undefined
          ? applyDropout(a, this.attentionOutputDropout, this.training)
          : this.child<UnaryModule>(attentionDropout).forward(a);
      });
    const ffn = (h: tf.Tensor) => tf.tidy(() => this.feedForward(h));
    return tf.tidy(() => {
      if (this.normFirst) {
        const h = tf.add(x, attn(norm(norm1, x)));
        return tf.add(h, ffn(norm(norm2, h)));
      }
      const h = norm(norm1, tf.add(x, attn(x)));
      return norm(norm2, tf.add(h, ffn(h)));
    });
  }
}

brandClass(TransformerEncoderLayer, 'nn.TransformerEncoderLayer');
