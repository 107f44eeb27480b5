import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { gelu } from './activations.js';
import { LayerNorm } from './layer-norm.js';
import type { UnaryModule } from './module.js';
import type { MultiHeadAttention } from './multi-head-attention.js';
import { expectClose, randomTensor, useCpu } from './testing/references.js';
import { TransformerEncoder } from './transformer-encoder.js';
import { TransformerEncoderLayer } from './transformer-encoder-layer.js';

beforeAll(useCpu);

const [B, T, D] = [2, 4, 8];

function sub(layer: TransformerEncoderLayer, name: string): UnaryModule {
  return layer.getSubmodule(name) as UnaryModule;
}

describe('TransformerEncoderLayer', () => {
  it('post-norm: norm2(h + ff(h)) with h = norm1(x + attn(x)), using its PyTorch-named children', () => {
    setSeed(4);
    const layer = new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, activation: 'gelu' }).eval();
    const x = randomTensor([B, T, D], 1);
    const attn = layer.getSubmodule('self_attn') as MultiHeadAttention;
    const h = sub(layer, 'norm1').call(tf.add(x, attn.call(x)));
    const ff = sub(layer, 'linear2').call(gelu(sub(layer, 'linear1').call(h)));
    const expected = sub(layer, 'norm2').call(tf.add(h, ff));
    expectClose(layer.call(x).dataSync(), expected.dataSync(), 1e-5);
    layer.dispose();
  });

  it('pre-norm: x + attn(norm1(x)), then + ff(norm2(.)); differs from post-norm', () => {
    setSeed(4);
    const layer = new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, normFirst: true }).eval();
    const x = randomTensor([B, T, D], 1);
    const mask = tf.tensor2d([1, 1, 1, 0, 1, 1, 0, 0], [B, T]);
    const attn = layer.getSubmodule('self_attn') as MultiHeadAttention;
    const h = tf.add(x, attn.call(sub(layer, 'norm1').call(x), { attentionMask: mask }));
    const ff = sub(layer, 'linear2').call(tf.relu(sub(layer, 'linear1').call(sub(layer, 'norm2').call(h))));
    const y = layer.call(x, { attentionMask: mask });
    expectClose(y.dataSync(), tf.add(h, ff).dataSync(), 1e-5);
    setSeed(4);
    const post = new TransformerEncoderLayer(D, 2, { dimFeedforward: 16 }).eval();
    expect(tf.max(tf.abs(tf.sub(post.call(x, { attentionMask: mask }), y))).dataSync()[0]).toBeGreaterThan(
      1e-3,
    );
    layer.dispose();
    post.dispose();
  });

  it('100 forward+backward steps keep tf.memory().numTensors constant after the first', () => {
    const layer = new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, dropout: 0.1 });
    const x = randomTensor([B, T, D], 2);
    const mask = tf.tensor2d([1, 1, 1, 0, 1, 1, 1, 1], [B, T]);
    const vars = layer.parameters({ trainableOnly: true }).map((p) => p.variable);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(layer.call(x, { attentionMask: mask, causal: true }))) as tf.Scalar,
          vars,
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
    step();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 99; i++) step();
    expect(tf.memory().numTensors).toBe(after1);
    tf.dispose([x, mask]);
    layer.dispose();
  });

  it('gradients reach every trainable parameter and none reach frozen ones', () => {
    const layer = new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, dropout: 0 });
    // Softmax is shift-invariant per query, and k_proj's bias shifts all of a query's scores by
    // the same q . b_k, so its gradient is zero up to rounding: freeze it along with the norms.
    layer.getSubmodule('self_attn.k_proj').requiresGrad(false);
    layer.getSubmodule('norm1').requiresGrad(false);
    layer.getSubmodule('norm2').requiresGrad(false);
    const trainable = layer.namedParameters({ trainableOnly: true });
    const frozen = layer.namedParameters().filter(([, p]) => !p.trainable);
    expect(frozen.map(([n]) => n).sort()).toEqual([
      'norm1.bias',
      'norm1.weight',
      'norm2.bias',
      'norm2.weight',
      'self_attn.k_proj.bias',
      'self_attn.k_proj.weight',
    ]);
    const x = randomTensor([B, T, D], 3);
    const target = randomTensor([B, T, D], 4);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(tf.sub(layer.call(x), target))) as tf.Scalar,
      trainable.map(([, p]) => p.variable),
    );
    expect(Object.keys(grads)).toHaveLength(trainable.length);
    for (const [name, p] of trainable) {
      const g = grads[p.variable.name];
      expect(g, name).toBeDefined();
      expect(tf.max(tf.abs(g as tf.Tensor)).dataSync()[0], name).toBeGreaterThan(0);
    }
    for (const [, p] of frozen) expect(grads[p.variable.name]).toBeUndefined();
    tf.dispose([x, target, value, ...Object.values(grads)]);
    layer.dispose();
  });
});

describe('TransformerEncoder', () => {
  it('stacks layers built by the factory, applies the final norm, keeps causality', () => {
    const built: number[] = [];
    const enc = new TransformerEncoder(
      (i) => {
        built.push(i);
        return new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, normFirst: true });
      },
      3,
      { finalNorm: new LayerNorm(D) },
    ).eval();
    expect(built).toEqual([0, 1, 2]);
    expect(enc.layers.length).toBe(3);
    const x = randomTensor([B, T, D], 5);
    let h = x;
    for (const layer of enc.layers) h = layer.call(h, { causal: true });
    const expected = (enc.getSubmodule('norm') as UnaryModule).call(h);
    const y = enc.call(x, { causal: true });
    expectClose(y.dataSync(), expected.dataSync(), 1e-5);
    const x2 = tf.concat([tf.slice(x, [0, 0, 0], [-1, 2, -1]), randomTensor([B, T - 2, D], 6)], 1);
    const y2 = enc.call(x2, { causal: true });
    const early = (t: tf.Tensor) => tf.slice(t, [0, 0, 0], [-1, 2, -1]);
    expectClose(early(y2).dataSync(), early(y).dataSync(), 1e-5);
    enc.dispose();
  });
});
