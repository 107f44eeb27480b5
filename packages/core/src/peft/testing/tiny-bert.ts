import * as tf from '@tensorflow/tfjs';
import { Embedding, LayerNorm, Linear, Module, ModuleList } from '../../nn/index.js';
import { definePlacement } from '../placement.js';

/**
 * A two-layer encoder with Hugging Face BertModel module names, small enough for unit tests.
 * Attention is single-head and simplified; the names and shapes are what PEFT tests need.
 */
class SelfAttention extends Module<[tf.Tensor], tf.Tensor> {
  constructor(d: number) {
    super();
    this.registerModule('query', new Linear(d, d));
    this.registerModule('key', new Linear(d, d));
    this.registerModule('value', new Linear(d, d));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const q = this.child('query').forward(x);
    const k = this.child('key').forward(x);
    const v = this.child('value').forward(x);
    const d = x.shape[x.rank - 1] as number;
    const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(d));
    return tf.matMul(tf.softmax(scores), v);
  }
}

class DenseNorm extends Module<[tf.Tensor, tf.Tensor], tf.Tensor> {
  constructor(dIn: number, d: number) {
    super();
    this.registerModule('dense', new Linear(dIn, d));
    this.registerModule('LayerNorm', new LayerNorm(d, { eps: 1e-12 }));
  }
  forward(h: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    return this.child('LayerNorm').forward(tf.add(this.child('dense').forward(h), residual));
  }
}

class Attention extends Module<[tf.Tensor], tf.Tensor> {
  constructor(d: number) {
    super();
    this.registerModule('self', new SelfAttention(d));
    this.registerModule('output', new DenseNorm(d, d));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('output').forward(this.child('self').forward(x), x);
  }
}

class Intermediate extends Module<[tf.Tensor], tf.Tensor> {
  constructor(d: number, ffn: number) {
    super();
    this.registerModule('dense', new Linear(d, ffn));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(this.child('dense').forward(x));
  }
}

class Layer extends Module<[tf.Tensor], tf.Tensor> {
  constructor(d: number, ffn: number) {
    super();
    this.registerModule('attention', new Attention(d));
    this.registerModule('intermediate', new Intermediate(d, ffn));
    this.registerModule('output', new DenseNorm(ffn, d));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const a = this.child('attention').forward(x);
    return this.child('output').forward(this.child('intermediate').forward(a), a);
  }
}

class Encoder extends Module<[tf.Tensor], tf.Tensor> {
  constructor(layers: number, d: number, ffn: number) {
    super();
    this.registerModule('layer', new ModuleList(Array.from({ length: layers }, () => new Layer(d, ffn))));
  }
  forward(x: tf.Tensor): tf.Tensor {
    let h = x;
    for (const l of this.child<ModuleList>('layer')) h = l.forward(h);
    return h;
  }
}

class Embeddings extends Module<[tf.Tensor], tf.Tensor> {
  constructor(vocab: number, d: number) {
    super();
    this.registerModule('word_embeddings', new Embedding(vocab, d));
  }
  forward(ids: tf.Tensor): tf.Tensor {
    return this.child('word_embeddings').forward(ids);
  }
}

/** ids `[B, T]` int32 -> logits `[B, classes]` (mean-pooled). */
export class TinyBert extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly dims = { vocab: 20, d: 8, ffn: 16, layers: 2, classes: 3 }) {
    super();
    this.registerModule('embeddings', new Embeddings(dims.vocab, dims.d));
    this.registerModule('encoder', new Encoder(dims.layers, dims.d, dims.ffn));
    this.registerModule('classifier', new Linear(dims.d, dims.classes));
  }
  forward(ids: tf.Tensor): tf.Tensor {
    const h = this.child('encoder').forward(this.child('embeddings').forward(ids));
    return this.child('classifier').forward(tf.mean(h, 1));
  }
}

export const tinyBertPlacement = definePlacement({
  architecture: 'tiny-bert',
  layers: 'encoder.layer',
  layerRoles: {
    'attn.q': 'attention.self.query',
    'attn.k': 'attention.self.key',
    'attn.v': 'attention.self.value',
    'attn.o': 'attention.output.dense',
    'ffn.up': 'intermediate.dense',
    'ffn.down': 'output.dense',
    block: '',
    'block.attn': 'attention.output.dense',
    'block.ffn': 'output.dense',
    norm: ['attention.output.LayerNorm', 'output.LayerNorm'],
  },
  modelRoles: { embed: 'embeddings.word_embeddings', head: 'classifier' },
});
