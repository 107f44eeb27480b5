import {
  AdamW,
  disposeGradients,
  getPeftModel,
  setSeed,
  type UnaryModule,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { transformerPolicyArchitecture, transformerPolicyPlacement } from './architectures.js';
import type { TransformerPolicy } from './transformer-policy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const H = 4;
const D = 8;
const P = 2;

function policy(): TransformerPolicy {
  const config = transformerPolicyArchitecture.configSchema.parse({
    observation_dim: 3,
    history_length: H,
    action_dim: 2,
    d_model: D,
    num_layers: 2,
    num_heads: 2,
    ffn_dim: 16,
    dropout: 0,
  });
  return transformerPolicyArchitecture.build(config) as TransformerPolicy;
}

/**
 * The policy's forward written out from its parts, with `prompt [P, D]` rows (no position)
 * before the projected frames (positions 0 .. H - 1): the last row after `norm`.
 */
function reference(model: TransformerPolicy, obs: tf.Tensor, prompt?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const part = (p: string) => model.getSubmodule(p) as UnaryModule;
    const b = obs.shape[0] as number;
    let x = tf.add(part('obs_proj').forward(obs), part('pos_embed').forward(tf.range(0, H, 1, 'int32')));
    if (prompt) x = tf.concat([tf.tile(tf.expandDims(prompt, 0), [b, 1, 1]), x], 1);
    const y = part('norm').forward(part('encoder').forward(x));
    const t = y.shape[1] as number;
    return tf.reshape(tf.slice(y, [0, t - 1, 0], [b, 1, D]), [b, D]);
  });
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('TransformerPolicy', () => {
  it('adds positions to the H frames and reads the last one', () => {
    setSeed(1);
    const model = policy().eval();
    const obs = tf.randomNormal([2, H, 3], 0, 1, 'float32', 1);
    const out = model.call(obs);
    const want = reference(model, obs);
    expect(out.shape).toEqual([2, D]);
    expect(maxDiff(out, want)).toBeLessThan(1e-6);
    tf.dispose([obs, out, want]);
    model.dispose();
  });

  it('prompt tuning on obs_proj: virtual tokens get no position, frames keep theirs; trains without leaks', () => {
    setSeed(2);
    const obs = tf.randomNormal([2, H, 3], 0, 1, 'float32', 2);
    const start = tf.memory().numTensors;
    const model = policy().eval();
    const base = model.call(obs);
    const peft = getPeftModel(
      model,
      { peftType: 'PROMPT_TUNING', numVirtualTokens: P },
      { placement: transformerPolicyPlacement },
    );
    expect(peft.targetsOf('default')).toEqual(['obs_proj']);
    // The only tensor the adapter saves (file key `prompt_embeddings`).
    const [prompt] = [...peft.adapterStateDict('default').values()].map((p) => p.value);
    if (!prompt) throw new Error('no prompt embeddings');
    expect(prompt.shape).toEqual([P, D]);
    const out = peft.call(obs) as tf.Tensor;
    const want = peft.disableAdapter(() => reference(model, obs, prompt));
    expect(out.shape).toEqual([2, D]);
    expect(maxDiff(out, want)).toBeLessThan(1e-5);
    const off = peft.disableAdapter(() => peft.call(obs) as tf.Tensor);
    expect(maxDiff(off, base)).toBe(0);
    // Training moves only the prompt, and the tensor count stays flat.
    const named = peft.namedParameters({ trainableOnly: true });
    expect(named.map(([k]) => k)).toEqual([
      'base_model.model.obs_proj.prompt_encoder.default.embedding.weight',
    ]);
    const opt = new AdamW([{ params: named, lr: 0.05 }], { weightDecay: 0 });
    const counts: number[] = [];
    const before = prompt.dataSync().slice();
    peft.train();
    for (let i = 0; i < 3; i++) {
      const { value, grads } = valueAndGrads(
        named,
        () => tf.mean(tf.square(peft.forward(obs) as tf.Tensor)) as tf.Scalar,
      );
      opt.step(grads);
      value.dispose();
      disposeGradients(grads);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(prompt.dataSync()).not.toEqual(before);
    opt.dispose();
    tf.dispose([base, out, want, off]);
    peft.dispose();
    expect(tf.memory().numTensors).toBe(start);
    obs.dispose();
  });
});
