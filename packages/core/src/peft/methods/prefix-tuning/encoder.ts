import * as tf from '@tensorflow/tfjs';
import type { AttentionPrefix } from '../../../nn/index.js';
import { Embedding, Linear, Module, Parameter, Sequential, Tanh } from '../../../nn/index.js';

export interface PrefixEncoderOptions {
  numVirtualTokens: number;
  tokenDim: number;
  numLayers: number;
  /** Hidden width of the reparameterisation MLP; undefined = the prefix is trained directly. */
  projectionHidden?: number;
  zeroInit: boolean;
}

/**
 * One prefix-tuning adapter's parameters, after HF's `PrefixEncoder`. The flat prefix is
 * `[P, numLayers * 2 * tokenDim]`: for layer `i`, columns `[2i*D, (2i+1)*D)` are its keys and
 * `[(2i+1)*D, (2i+2)*D)` its values, each row a virtual position and each `D` block head-major
 * (`head * headDim + d`), which is how HF's `view(B, P, L*2, H, D/H)` splits `past_key_values`.
 *
 * Without projection `embedding` holds that prefix directly. With projection it holds
 * `[P, tokenDim]` and `transform` (Linear -> tanh -> Linear) computes the prefix; each layer
 * computes only its own column slice of the last Linear.
 */
export class PrefixEncoder extends Module<[], never> {
  readonly numVirtualTokens: number;
  readonly tokenDim: number;
  readonly numLayers: number;
  private exported: Parameter | undefined;

  constructor(o: PrefixEncoderOptions) {
    super();
    this.numVirtualTokens = o.numVirtualTokens;
    this.tokenDim = o.tokenDim;
    this.numLayers = o.numLayers;
    const width = o.numLayers * 2 * o.tokenDim;
    if (o.projectionHidden !== undefined) {
      this.registerModule('embedding', new Embedding(o.numVirtualTokens, o.tokenDim));
      const last = new Linear(o.projectionHidden, width);
      this.registerModule(
        'transform',
        new Sequential(new Linear(o.tokenDim, o.projectionHidden), new Tanh(), last),
      );
      if (o.zeroInit) {
        for (const p of [last.weight, last.bias]) if (p) zero(p);
      }
    } else {
      const table = this.registerModule('embedding', new Embedding(o.numVirtualTokens, width));
      if (o.zeroInit) zero(table.weight);
    }
  }

  get projected(): boolean {
    return this.hasSubmodule('transform');
  }

  private get table(): Parameter {
    return this.child<Embedding>('embedding').weight;
  }

  /** Layer `i`'s prefix keys and values, each `[B, P, D]`. */
  layerPrefix(i: number, batchSize: number): AttentionPrefix {
    const d = this.tokenDim;
    const p = this.numVirtualTokens;
    let kv: tf.Tensor; // [P, 2D]
    if (this.projected) {
      const seq = this.child<Sequential>('transform');
      const hidden = seq.at(1).call(seq.at(0).call(this.table.value));
      const last = seq.at(2) as Linear;
      const w = tf.slice(last.weight.value, [0, 2 * i * d], [last.inFeatures, 2 * d]);
      kv = tf.matMul(hidden, w);
      if (last.bias) kv = tf.add(kv, tf.slice(last.bias.value, [2 * i * d], [2 * d]));
    } else {
      kv = tf.slice(this.table.value, [0, 2 * i * d], [p, 2 * d]);
    }
    const expand = (t: tf.Tensor) => tf.broadcastTo(tf.expandDims(t, 0), [batchSize, p, d]);
    return { key: expand(tf.slice(kv, [0, 0], [p, d])), value: expand(tf.slice(kv, [0, d], [p, d])) };
  }

  /** The full prefix `[P, numLayers * 2 * tokenDim]` (what HF saves as `prompt_embeddings`). */
  computed(): tf.Tensor2D {
    return tf.tidy(() => {
      if (!this.projected) return tf.clone(this.table.value) as tf.Tensor2D;
      return this.child<Sequential>('transform').call(this.table.value) as tf.Tensor2D;
    });
  }

  /**
   * The parameter saved as `prompt_embeddings`: the table itself, or with projection a snapshot
   * of the computed prefix (kept until the next call or disposal).
   */
  promptEmbeddings(): Parameter {
    if (!this.projected) return this.table;
    this.exported?.dispose();
    const value = this.computed();
    this.exported = new Parameter(value, { trainable: false });
    value.dispose();
    return this.exported;
  }

  /**
   * Replaces the MLP by a table holding its computed prefix, as HF builds prefix encoders in
   * inference mode. Loading a saved adapter needs this: files hold the computed prefix only.
   * Returns the table; its `trainable` flag follows the old parameters'.
   */
  flatten(): Parameter {
    if (!this.projected) return this.table;
    const trainable = this.table.trainable;
    const value = this.computed();
    const old = [this.unregisterModule('embedding'), this.unregisterModule('transform')];
    const table = this.registerModule('embedding', new Embedding(this.numVirtualTokens, value.shape[1]));
    table.weight.assign(value);
    table.weight.trainable = trainable;
    value.dispose();
    for (const m of old) m.dispose();
    return table.weight;
  }

  override dispose(): void {
    this.exported?.dispose();
    this.exported = undefined;
    super.dispose();
  }

  forward(): never {
    throw new Error('PrefixEncoder is called per layer through layerPrefix()');
  }
}

function zero(p: Parameter): void {
  const z = tf.zerosLike(p.value);
  p.assign(z);
  z.dispose();
}
