import * as tf from '@tensorflow/tfjs';
import { multiHeadContext } from './attention-heads.js';
import { additivePaddingMask, causalMask, extendMaskForPrefix } from './attention-mask.js';
import { brandClass } from './brand.js';
import { assertLastDim, assertPositiveInt, assertProbability, assertRank } from './checks.js';
import { dropout as applyDropout, Dropout } from './dropout.js';
import { computeFans, xavierUniform, zeros } from './init.js';
import { Linear } from './linear.js';
import type { UnaryModule } from './module.js';
import type { Parameter } from './parameter.js';
import { PrefixTunableAttention } from './prefix-hook.js';

/** The four projections of an attention module. */
export type AttentionProjection = 'query' | 'key' | 'value' | 'output';

/**
 * Child names of the projections, as the checkpoints of a family spell them. `output: null`
 * leaves the output projection out: BERT and ViT keep it in a sibling module
 * (`attention.output.dense`), so their self-attention returns the heads' context as is.
 *
 * | family                                   | query     | key       | value     | output     |
 * | ---------------------------------------- | --------- | --------- | --------- | ---------- |
 * | PyTorch, Whisper, wav2vec2, BART (default) | `q_proj`  | `k_proj`  | `v_proj`  | `out_proj` |
 * | BERT, ViT (`attention.self`/`.attention`)  | `query`   | `key`     | `value`   | `null`     |
 * | DistilBERT                               | `q_lin`   | `k_lin`   | `v_lin`   | `out_lin`  |
 */
export interface AttentionProjectionNames {
  query: string;
  key: string;
  value: string;
  output: string | null;
}

/** PyTorch's names (also Whisper's, wav2vec2's and BART's): the default. */
export const TORCH_ATTENTION_NAMES: Readonly<AttentionProjectionNames> = Object.freeze({
  query: 'q_proj',
  key: 'k_proj',
  value: 'v_proj',
  output: 'out_proj',
});

export interface MultiHeadAttentionOptions {
  /**
   * Biases on the projections (default true), or per projection, e.g. Whisper's
   * `{ key: false }` (unlisted projections keep theirs).
   */
  bias?: boolean | Partial<Record<AttentionProjection, boolean>>;
  /** Dropout on the attention probabilities in training mode (default 0). */
  dropout?: number;
  /** Feature size of `key`/`value` inputs when it differs from `embedDim` (cross-attention). */
  kvDim?: number;
  /** Child names of the projections (default `TORCH_ATTENTION_NAMES`); see `AttentionProjectionNames`. */
  names?: Partial<AttentionProjectionNames>;
  /**
   * Registers the probability dropout as a `Dropout` child of this name (HF BERT, ViT and
   * DistilBERT have `dropout`) instead of applying it as a function (PyTorch, Whisper).
   */
  dropoutModule?: string;
  /**
   * `'torch'` (default): PyTorch `nn.MultiheadAttention`'s init, xavier-uniform q/k/v weights and
   * zero projection biases. `'linear'`: keep each Linear's default init, for models that
   * re-initialise afterwards (Hugging Face `_init_weights`) and must not draw extra random numbers.
   */
  init?: 'torch' | 'linear';
  /** Multiplies the queries (default `1 / sqrt(headDim)`). */
  scale?: number;
}

export interface AttentionCallOptions {
  /** `[B, Tk, kvDim]`; default: the query (self-attention). */
  key?: tf.Tensor;
  /** `[B, Tk, kvDim]`; default: the key. */
  value?: tf.Tensor;
  /**
   * Either a rank-2 padding mask `[B, Tk]` (1 = attend, 0 = padding; any dtype), or an additive
   * float mask of rank 4 broadcastable to `[B, H, Tq, Tk]` (rank 3 is read as `[B, Tq, Tk]`),
   * holding 0 where attention is allowed and a large negative number where it is not. With a
   * prefix provider set, a padding mask is extended with ones for the prefix; an additive mask
   * whose last axis is `Tk` is extended with zeros, and one whose last axis is `P + Tk` is used
   * as given (so prefix positions can be masked too).
   */
  attentionMask?: tf.Tensor;
  /** Query position t attends to keys <= t (plus every prefix position). Needs Tq = Tk. */
  causal?: boolean;
}

/**
 * Multi-head scaled dot-product attention with separate query, key, value (and optionally
 * output) Linear children, named as the checkpoints of the family need (`names`; PyTorch's
 * `q_proj`, `k_proj`, `v_proj`, `out_proj` by default), so LoRA `target_modules` and HF weights
 * match. One implementation serves every architecture: HF families configure names, biases,
 * dropout child and init, or subclass it with a constructor taking their config.
 *
 * Inputs are batch-first `[B, T, E]`. It is a prefix-tuning host (`setPrefixProvider`): the
 * provided keys/values are prepended to the projected ones and masks are extended so every
 * query sees every prefix position.
 *
 * @example
 * const mha = new MultiHeadAttention(64, 4);
 * const y = mha.call(x, { attentionMask: padMask, causal: true }); // x: [B, T, 64]
 * // BERT's attention.self: context only, HF names, HF init done by the model
 * const self = new MultiHeadAttention(768, 12, {
 *   names: { query: 'query', key: 'key', value: 'value', output: null },
 *   dropout: 0.1, dropoutModule: 'dropout', init: 'linear',
 * });
 */
export class MultiHeadAttention extends PrefixTunableAttention<
  [tf.Tensor, AttentionCallOptions?],
  tf.Tensor
> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kvDim: number;
  readonly dropout: number;
  readonly scale: number;
  readonly names: Readonly<AttentionProjectionNames>;
  private readonly dropoutModule: string | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiHeadAttentionOptions = {}) {
    super();
    const caller = new.target.name;
    this.embedDim = assertPositiveInt(embedDim, 'embedDim', caller);
    this.numHeads = assertPositiveInt(numHeads, 'numHeads', caller);
    if (embedDim % numHeads !== 0) {
      throw new Error(`${caller}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    }
    this.headDim = embedDim / numHeads;
    this.kvDim = assertPositiveInt(options.kvDim ?? embedDim, 'kvDim', caller);
    this.dropout = assertProbability(options.dropout ?? 0, 'dropout', caller);
    this.scale = options.scale ?? 1 / Math.sqrt(this.headDim);
    const given = options.names ?? {};
    // `undefined` means "the default", `null` (output only) means "none".
    this.names = Object.freeze({
      query: given.query ?? TORCH_ATTENTION_NAMES.query,
      key: given.key ?? TORCH_ATTENTION_NAMES.key,
      value: given.value ?? TORCH_ATTENTION_NAMES.value,
      output: given.output === undefined ? TORCH_ATTENTION_NAMES.output : given.output,
    });
    const bias = (p: AttentionProjection) =>
      typeof options.bias === 'object' ? (options.bias[p] ?? true) : (options.bias ?? true);
    const { query, key, value, output } = this.names;
    const q = this.registerModule(query, new Linear(embedDim, embedDim, { bias: bias('query') }));
    const k = this.registerModule(key, new Linear(this.kvDim, embedDim, { bias: bias('key') }));
    const v = this.registerModule(value, new Linear(this.kvDim, embedDim, { bias: bias('value') }));
    const o =
      output === null
        ? undefined
        : this.registerModule(output, new Linear(embedDim, embedDim, { bias: bias('output') }));
    this.dropoutModule = options.dropoutModule;
    if (options.dropoutModule !== undefined)
      this.registerModule(options.dropoutModule, new Dropout(this.dropout));
    if ((options.init ?? 'torch') === 'torch') {
      for (const proj of [q, k, v]) {
        const { fanIn, fanOut } = computeFans(proj.weight.shape, 'linear');
        reinit(proj.weight, () => xavierUniform(proj.weight.shape, fanIn, fanOut));
      }
      for (const proj of [q, k, v, o]) {
        const b = proj?.bias;
        if (b) reinit(b, () => zeros(b.shape));
      }
    }
  }

  get qProj(): UnaryModule {
    return this.child(this.names.query);
  }

  get kProj(): UnaryModule {
    return this.child(this.names.key);
  }

  get vProj(): UnaryModule {
    return this.child(this.names.value);
  }

  /** The output projection; undefined when built with `names.output: null`. */
  get outProj(): UnaryModule | undefined {
    return this.names.output === null ? undefined : this.child(this.names.output);
  }

  forward(query: tf.Tensor, options: AttentionCallOptions = {}): tf.Tensor {
    const caller = `${this.typeName}.forward`;
    const key = options.key ?? query;
    const value = options.value ?? key;
    assertRank(query, [3], 'query ([B, Tq, E])', caller);
    assertLastDim(query, this.embedDim, 'query', caller);
    assertRank(key, [3], 'key ([B, Tk, kvDim])', caller);
    assertLastDim(key, this.kvDim, 'key', caller);
    const [b, tq] = query.shape as [number, number, number];
    const tk = key.shape[1] as number;
    if (key.shape[0] !== b || value.rank !== 3 || value.shape[0] !== b || value.shape[1] !== tk) {
      throw new Error(
        `${caller}: query [${query.shape}], key [${key.shape}] and value [${value.shape}] disagree on batch or length`,
      );
    }
    assertLastDim(value, this.kvDim, 'value', caller);

    // q, k, v in this order (as HF's BERT/DistilBERT/Whisper code): the order decides how
    // gradients flowing back into a shared input are summed, so it is kept stable.
    const q = this.qProj.call(query);
    let k = this.kProj.call(key);
    let v = this.vProj.call(value);
    const prefix = this.prefixHook.fetch(b, this.embedDim, caller);
    const p = prefix ? (prefix.key.shape[1] as number) : 0;
    if (prefix) {
      k = tf.concat([prefix.key, k], 1);
      v = tf.concat([prefix.value, v], 1);
    }
    const ctx = multiHeadContext(q, k, v, {
      numHeads: this.numHeads,
      scale: this.scale,
      mask: this.buildMask(options, b, tq, tk, p),
      dropout: (probs) =>
        this.dropoutModule === undefined
          ? applyDropout(probs, this.dropout, this.training)
          : this.child<UnaryModule>(this.dropoutModule).call(probs),
    });
    const out = this.outProj;
    return out ? out.call(ctx) : ctx;
  }

  /** One additive float mask broadcastable to `[B, H, Tq, P + Tk]`, or undefined. */
  private buildMask(options: AttentionCallOptions, b: number, tq: number, tk: number, p: number) {
    const caller = `${this.typeName}.forward`;
    let mask: tf.Tensor | undefined;
    const m = options.attentionMask;
    if (m) {
      if (m.rank === 2) {
        if (m.shape[0] !== b || m.shape[1] !== tk) {
          throw new Error(`${caller}: padding mask must be [B, Tk] = [${b}, ${tk}], got [${m.shape}]`);
        }
        mask = extendMaskForPrefix(additivePaddingMask(m, caller), p);
      } else if (m.rank === 3 || m.rank === 4) {
        let add = tf.cast(m, 'float32');
        if (add.rank === 3) add = tf.expandDims(add, 1);
        const last = add.shape[3] as number;
        if (last === tk && p > 0) add = extendMaskForPrefix(add, p) as tf.Tensor;
        else if (last !== 1 && last !== p + tk) {
          throw new Error(
            `${caller}: additive mask's last axis must be 1, Tk (${tk})${p ? ` or P + Tk (${p + tk})` : ''}, got [${m.shape}]`,
          );
        }
        mask = add;
      } else {
        throw new Error(
          `${caller}: attentionMask must have rank 2 (padding) or 3/4 (additive), got [${m.shape}]`,
        );
      }
    }
    if (options.causal) {
      if (tq !== tk) throw new Error(`${caller}: causal attention needs Tq = Tk, got ${tq} and ${tk}`);
      const causal = extendMaskForPrefix(causalMask(tq), p) as tf.Tensor;
      mask = mask ? tf.add(mask, causal) : causal;
    }
    return mask;
  }
}

/** Overwrites a parameter with a freshly drawn value, freeing the temporary. */
function reinit(p: Parameter, make: () => tf.Tensor): void {
  const t = tf.tidy(make);
  p.assign(t);
  t.dispose();
}

brandClass(MultiHeadAttention, 'nn.MultiHeadAttention');
