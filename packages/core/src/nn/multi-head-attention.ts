import * as tf from '@tensorflow/tfjs';
import { assertLastDim, assertPositiveInt, assertProbability, assertRank } from './checks.js';
import { dropout as applyDropout } from './dropout.js';
import { computeFans, xavierUniform, zeros } from './init.js';
import { Linear } from './linear.js';
import { Module, type UnaryModule } from './module.js';
import type { Parameter } from './parameter.js';

export interface MultiHeadAttentionOptions {
  /** Biases on the four projections (default true). */
  bias?: boolean;
  /** Dropout on the attention probabilities in training mode (default 0). */
  dropout?: number;
  /** Feature size of `key`/`value` inputs when it differs from `embedDim` (cross-attention). */
  kvDim?: number;
}

/** Already-projected key/value prefixes, each `[B, P, embedDim]`. */
export interface AttentionPrefix {
  key: tf.Tensor;
  value: tf.Tensor;
}

/**
 * Supplies prefix keys/values for prefix tuning. Called inside the attention's forward (and its
 * tidy scope) with the batch size; return fresh tensors or views of variables.
 */
export type PrefixProvider = (batchSize: number) => AttentionPrefix;

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

/** Added to the scores of forbidden positions; exp() of it underflows to exactly 0. */
const MASKED = -1e9;

/**
 * Multi-head scaled dot-product attention with separate `q_proj`, `k_proj`, `v_proj` and
 * `out_proj` Linear children (the Hugging Face naming, so LoRA `target_modules` such as
 * `["q_proj", "v_proj"]` match).
 *
 * Inputs are batch-first `[B, T, E]`. Init follows PyTorch's `nn.MultiheadAttention` with
 * separate projection weights: xavier-uniform q/k/v weights, zero projection biases, default
 * Linear init for the `out_proj` weight with a zero bias.
 *
 * `setPrefixProvider` is the hook for prefix tuning: the provided keys/values are prepended to
 * the projected ones, and masks are extended so every query sees every prefix position.
 *
 * @example
 * const mha = new MultiHeadAttention(64, 4);
 * const y = mha.call(x, { attentionMask: padMask, causal: true }); // x: [B, T, 64]
 */
export class MultiHeadAttention extends Module<[tf.Tensor, AttentionCallOptions?], tf.Tensor> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kvDim: number;
  readonly dropout: number;
  private prefix: PrefixProvider | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiHeadAttentionOptions = {}) {
    super();
    const caller = 'MultiHeadAttention';
    this.embedDim = assertPositiveInt(embedDim, 'embedDim', caller);
    this.numHeads = assertPositiveInt(numHeads, 'numHeads', caller);
    if (embedDim % numHeads !== 0) {
      throw new Error(`${caller}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    }
    this.headDim = embedDim / numHeads;
    this.kvDim = assertPositiveInt(options.kvDim ?? embedDim, 'kvDim', caller);
    this.dropout = assertProbability(options.dropout ?? 0, 'dropout', caller);
    const bias = options.bias ?? true;
    const q = this.registerModule('q_proj', new Linear(embedDim, embedDim, { bias }));
    const k = this.registerModule('k_proj', new Linear(this.kvDim, embedDim, { bias }));
    const v = this.registerModule('v_proj', new Linear(this.kvDim, embedDim, { bias }));
    const o = this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias }));
    for (const proj of [q, k, v]) {
      const { fanIn, fanOut } = computeFans(proj.weight.shape, 'linear');
      reinit(proj.weight, () => xavierUniform(proj.weight.shape, fanIn, fanOut));
    }
    for (const proj of [q, k, v, o]) {
      const b = proj.bias;
      if (b) reinit(b, () => zeros(b.shape));
    }
  }

  get qProj(): UnaryModule {
    return this.child('q_proj');
  }

  get kProj(): UnaryModule {
    return this.child('k_proj');
  }

  get vProj(): UnaryModule {
    return this.child('v_proj');
  }

  get outProj(): UnaryModule {
    return this.child('out_proj');
  }

  /** Sets (or with `undefined`, removes) the prefix-tuning hook. */
  setPrefixProvider(fn: PrefixProvider | undefined): void {
    this.prefix = fn;
  }

  get prefixProvider(): PrefixProvider | undefined {
    return this.prefix;
  }

  forward(query: tf.Tensor, options: AttentionCallOptions = {}): tf.Tensor {
    const caller = 'MultiHeadAttention.forward';
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

    let k = this.kProj.call(key);
    let v = this.vProj.call(value);
    let p = 0;
    if (this.prefix) {
      const pre = this.prefix(b);
      const want = `[${b}, P, ${this.embedDim}]`;
      for (const [name, t] of [
        ['key', pre.key],
        ['value', pre.value],
      ] as const) {
        if (t.rank !== 3 || t.shape[0] !== b || t.shape[2] !== this.embedDim) {
          throw new Error(`${caller}: prefix ${name} must be ${want}, got [${t.shape}]`);
        }
      }
      p = pre.key.shape[1] as number;
      if (pre.value.shape[1] !== p) {
        throw new Error(
          `${caller}: prefix key [${pre.key.shape}] and value [${pre.value.shape}] differ in length`,
        );
      }
      k = tf.concat([pre.key, k], 1);
      v = tf.concat([pre.value, v], 1);
    }
    const s = p + tk;
    const h = this.numHeads;
    const d = this.headDim;
    // Explicit transposes instead of matMul's transpose flags: wasm only has a fast path for
    // non-transposed operands. The key goes straight to [B, H, D, S] for QK^T.
    const qh = tf.mul(
      tf.transpose(tf.reshape(this.qProj.call(query), [b, tq, h, d]), [0, 2, 1, 3]),
      1 / Math.sqrt(d),
    );
    const kt = tf.transpose(tf.reshape(k, [b, s, h, d]), [0, 2, 3, 1]);
    const vh = tf.transpose(tf.reshape(v, [b, s, h, d]), [0, 2, 1, 3]);
    let scores = tf.matMul(qh, kt); // [B, H, Tq, S]
    const mask = this.buildMask(options, b, tq, tk, p);
    if (mask) scores = tf.add(scores, mask);
    const probs = applyDropout(tf.softmax(scores, -1), this.dropout, this.training);
    const ctx = tf.reshape(tf.transpose(tf.matMul(probs, vh), [0, 2, 1, 3]), [b, tq, this.embedDim]);
    return this.outProj.call(ctx);
  }

  /** One additive float mask broadcastable to [B, H, Tq, P + Tk], or undefined. */
  private buildMask(options: AttentionCallOptions, b: number, tq: number, tk: number, p: number) {
    const caller = 'MultiHeadAttention.forward';
    let mask: tf.Tensor | undefined;
    const m = options.attentionMask;
    if (m) {
      if (m.rank === 2) {
        if (m.shape[0] !== b || m.shape[1] !== tk) {
          throw new Error(`${caller}: padding mask must be [B, Tk] = [${b}, ${tk}], got [${m.shape}]`);
        }
        let keep = tf.cast(m, 'float32');
        if (p > 0) keep = tf.concat([tf.ones([b, p]), keep], 1);
        mask = tf.reshape(tf.mul(tf.sub(1, keep), MASKED), [b, 1, 1, p + tk]);
      } else if (m.rank === 3 || m.rank === 4) {
        let add = tf.cast(m, 'float32');
        if (add.rank === 3) add = tf.expandDims(add, 1);
        const last = add.shape[3] as number;
        if (last === tk && p > 0) {
          add = tf.concat([tf.zeros([...add.shape.slice(0, 3), p]), add], 3);
        } else if (last !== 1 && last !== p + tk) {
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
      const c = new Float32Array(tq * (p + tk));
      for (let i = 0; i < tq; i++) {
        for (let j = i + 1; j < tk; j++) c[i * (p + tk) + p + j] = MASKED;
      }
      const causal = tf.tensor4d(c, [1, 1, tq, p + tk]);
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
