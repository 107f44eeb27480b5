import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { gelu } from './activations.js';
import { FeedForward } from './feed-forward.js';
import { LayerNorm } from './layer-norm.js';
import type { Linear } from './linear.js';
import type { UnaryModule } from './module.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { erf, expectClose, randomTensor, useCpu } from './testing/references.js';
import { TransformerEncoder } from './transformer-encoder.js';
import { TransformerEncoderLayer, type TransformerEncoderLayerOptions } from './transformer-encoder-layer.js';

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

type Matrix = number[][];

/** Float64 building blocks written from the definitions (no tfjs op involved). */
const ref = {
  affine(x: Matrix, lin: Linear): Matrix {
    const w = lin.weight.value.arraySync() as Matrix; // [in, out]
    const b = (lin.bias?.value.arraySync() as number[]) ?? [];
    return x.map((r) =>
      (w[0] as number[]).map((_, o) =>
        r.reduce((a, v, i) => a + v * ((w[i] as number[])[o] as number), b[o] ?? 0),
      ),
    );
  },
  layerNorm(x: Matrix, ln: LayerNorm, eps: number): Matrix {
    const g = ln.weight?.value.arraySync() as number[];
    const b = ln.bias?.value.arraySync() as number[];
    return x.map((r) => {
      const mean = r.reduce((a, v) => a + v, 0) / r.length;
      const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
      return r.map((v, j) => ((v - mean) / Math.sqrt(variance + eps)) * (g[j] as number) + (b[j] as number));
    });
  },
  attention(q: Matrix, k: Matrix, v: Matrix, heads: number, keep: number[]): Matrix {
    const d = (q[0] as number[]).length / heads;
    return q.map((qi) => {
      const out = new Array<number>(qi.length).fill(0);
      for (let h = 0; h < heads; h++) {
        const s = k.map((kj, j) => {
          let dot = 0;
          for (let c = h * d; c < (h + 1) * d; c++) dot += (qi[c] as number) * (kj[c] as number);
          return keep[j] ? dot / Math.sqrt(d) : Number.NEGATIVE_INFINITY;
        });
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let c = h * d; c < (h + 1) * d; c++)
          out[c] = e.reduce((a, ej, j) => a + (ej / z) * ((v[j] as number[])[c] as number), 0);
      }
      return out;
    });
  },
  add: (a: Matrix, b: Matrix): Matrix =>
    a.map((r, i) => r.map((v, j) => v + ((b[i] as number[])[j] as number))),
  gelu: (a: Matrix): Matrix => a.map((r) => r.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)))),
};

/** Whisper's encoder-layer names: flat fc1/fc2, no dropout children, k_proj without bias. */
const WHISPER: TransformerEncoderLayerOptions = {
  dimFeedforward: 16,
  activation: 'gelu',
  normFirst: true,
  dropout: 0,
  names: {
    attentionDropout: undefined,
    norm1: 'self_attn_layer_norm',
    norm2: 'final_layer_norm',
    ffn: { up: 'fc1', down: 'fc2', activationDropout: undefined, outputDropout: undefined },
  },
  attention: { bias: { key: false }, init: 'linear' },
};

/** DistilBERT's: attention with q_lin..out_lin, sa_layer_norm, an `ffn` child, output_layer_norm. */
const DISTILBERT: TransformerEncoderLayerOptions = {
  dimFeedforward: 16,
  activation: 'gelu',
  dropout: 0.1,
  attentionOutputDropout: 0,
  activationDropout: 0,
  layerNormEps: 1e-12,
  names: {
    selfAttn: 'attention',
    attentionDropout: undefined,
    norm1: 'sa_layer_norm',
    feedForward: 'ffn',
    ffn: { up: 'lin1', down: 'lin2', activationDropout: undefined, outputDropout: 'dropout' },
    norm2: 'output_layer_norm',
  },
  attention: {
    names: { query: 'q_lin', key: 'k_lin', value: 'v_lin', output: 'out_lin' },
    dropoutModule: 'dropout',
    init: 'linear',
  },
};

describe('TransformerEncoderLayer with family names', () => {
  it("Whisper's layout: HF state-dict keys, and a pre-norm layer equal to a float64 computation from the definition", () => {
    setSeed(6);
    const layer = new TransformerEncoderLayer(D, 2, WHISPER);
    expect([...layer.stateDict().keys()]).toEqual([
      'self_attn.q_proj.weight',
      'self_attn.q_proj.bias',
      'self_attn.k_proj.weight',
      'self_attn.v_proj.weight',
      'self_attn.v_proj.bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'self_attn_layer_norm.weight',
      'self_attn_layer_norm.bias',
      'final_layer_norm.weight',
      'final_layer_norm.bias',
    ]);
    for (const [, p] of layer.namedParameters())
      if (p.shape.length === 1) p.assign(randomTensor(p.shape, 90));
    const x = randomTensor([B, T, D], 7);
    const keep = [
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ];
    const y = layer.call(x, { attentionMask: tf.tensor2d(keep, [B, T]) });
    const m = <M>(path: string) => layer.getSubmodule(path) as M;
    const expected = (x.arraySync() as Matrix[]).flatMap((xb, b) => {
      const n1 = ref.layerNorm(xb, m('self_attn_layer_norm'), 1e-5);
      const lin = (name: string, v: Matrix) => ref.affine(v, m(`self_attn.${name}`));
      const ctx = ref.attention(
        lin('q_proj', n1),
        lin('k_proj', n1),
        lin('v_proj', n1),
        2,
        keep[b] as number[],
      );
      const h = ref.add(xb, lin('out_proj', ctx));
      const n2 = ref.layerNorm(h, m('final_layer_norm'), 1e-5);
      return ref.add(h, ref.affine(ref.gelu(ref.affine(n2, m('fc1'))), m('fc2'))).flat();
    });
    expectClose(y.dataSync(), expected, 1e-5);
    layer.dispose();
  });

  it("DistilBERT's layout: post-norm with an ffn child; equals the definition; dropout children only where HF has them", () => {
    setSeed(6);
    const layer = new TransformerEncoderLayer(D, 2, DISTILBERT).eval();
    expect([...layer.namedModules()].map(([p]) => p)).toEqual([
      '',
      'attention',
      'attention.q_lin',
      'attention.k_lin',
      'attention.v_lin',
      'attention.out_lin',
      'attention.dropout',
      'ffn',
      'ffn.lin1',
      'ffn.lin2',
      'ffn.dropout',
      'sa_layer_norm',
      'output_layer_norm',
    ]);
    const x = randomTensor([B, T, D], 8);
    const keep = [
      [1, 0, 1, 1],
      [1, 1, 1, 1],
    ];
    const y = layer.call(x, { attentionMask: tf.tensor2d(keep, [B, T]) });
    const m = <M>(path: string) => layer.getSubmodule(path) as M;
    const expected = (x.arraySync() as Matrix[]).flatMap((xb, b) => {
      const lin = (name: string, v: Matrix) => ref.affine(v, m(`attention.${name}`));
      const ctx = ref.attention(lin('q_lin', xb), lin('k_lin', xb), lin('v_lin', xb), 2, keep[b] as number[]);
      const a = ref.layerNorm(ref.add(lin('out_lin', ctx), xb), m('sa_layer_norm'), 1e-12);
      const f = ref.affine(ref.gelu(ref.affine(a, m('ffn.lin1'))), m('ffn.lin2'));
      return ref.layerNorm(ref.add(f, a), m('output_layer_norm'), 1e-12).flat();
    });
    expectClose(y.dataSync(), expected, 1e-5);
    layer.dispose();
  });

  it('builds a family subclass of the attention and feed-forward when given factories', () => {
    class FamilyAttention extends MultiHeadAttention {}
    class FamilyFfn extends FeedForward {}
    const layer = new TransformerEncoderLayer(D, 2, {
      ...DISTILBERT,
      buildAttention: (d, h) => new FamilyAttention(d, h, DISTILBERT.attention),
      buildFeedForward: (d, inner) => new FamilyFfn(d, inner, { names: { up: 'lin1', down: 'lin2' } }),
    });
    expect(layer.getSubmodule('attention')).toBeInstanceOf(FamilyAttention);
    expect(layer.getSubmodule('ffn')).toBeInstanceOf(FamilyFfn);
    expect(layer.call(randomTensor([B, T, D], 3)).shape).toEqual([B, T, D]);
    expect(
      () => new TransformerEncoderLayer(D, 2, { buildFeedForward: (d, i) => new FeedForward(d, i) }),
    ).toThrow("TransformerEncoderLayer: buildFeedForward needs names.feedForward (the child's name)");
    layer.dispose();
  });

  it('trains without leaking tensors in both layouts', () => {
    for (const options of [WHISPER, { ...DISTILBERT, dropout: 0.2 }]) {
      const layer = new TransformerEncoderLayer(D, 2, options).train();
      const x = randomTensor([B, T, D], 9);
      const mask = tf.tensor2d([1, 1, 1, 0, 1, 1, 1, 1], [B, T]);
      const vars = layer.parameters({ trainableOnly: true }).map((p) => p.variable);
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            () => tf.mean(tf.square(layer.call(x, { attentionMask: mask }))) as tf.Scalar,
            vars,
          );
          tf.dispose([value, ...Object.values(grads)]);
        });
      step();
      const after1 = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) step();
      expect(tf.memory().numTensors).toBe(after1);
      tf.dispose([x, mask]);
      layer.dispose();
    }
  });
});

describe('TransformerEncoder', () => {
  it("names the layer list as the family does ('layer' for BERT/ViT/DistilBERT)", () => {
    const enc = new TransformerEncoder(() => new TransformerEncoderLayer(D, 2, DISTILBERT), 2, {
      layersName: 'layer',
    });
    expect(enc.layers.length).toBe(2);
    expect(enc.getSubmodule('layer.1.attention.q_lin')).toBeDefined();
    expect(enc.namedChildren().map(([n]) => n)).toEqual(['layer']);
    enc.dispose();
  });

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
