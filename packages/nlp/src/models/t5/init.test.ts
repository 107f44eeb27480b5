import { type Parameter, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { t5Config } from './config.js';
import { t5InitStd } from './init.js';
import { T5ForConditionalGeneration } from './model.js';

const std = (p: Parameter) => tf.tidy(() => Math.sqrt(tf.moments(p.value).variance.dataSync()[0] as number));

describe("T5 initialisation as HF's T5PreTrainedModel._init_weights", () => {
  const base = { d_model: 64, d_kv: 16, num_heads: 4, d_ff: 256, num_layers: 2, vocab_size: 300 };

  it('draws each weight with its own deviation: shared and lm_head 1, q (d_model d_kv)^-1/2, k/v d_model^-1/2, o, wi, wo', () => {
    setSeed(3);
    const config = t5Config({ ...base, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
    const model = new T5ForConditionalGeneration(config);
    const expected: Record<string, number> = {
      shared: 1,
      lm_head: 1,
      q: (64 * 16) ** -0.5,
      k: 64 ** -0.5,
      v: 64 ** -0.5,
      o: (4 * 16) ** -0.5,
      relative_attention_bias: 64 ** -0.5,
      wi_0: 64 ** -0.5,
      wi_1: 64 ** -0.5,
      wo: 256 ** -0.5,
    };
    const seen = new Set<string>();
    for (const [path, p] of model.namedParameters()) {
      const module = path.split('.').at(-2) as string;
      if (path.endsWith('layer_norm.weight')) {
        expect(p.value.dataSync().every((x) => x === 1)).toBe(true);
        continue;
      }
      expect(Object.keys(expected), path).toContain(module);
      // Thousands of draws per tensor (the relative bias table 128): within 12% of the target.
      expect(std(p) / (expected[module] as number), path).toBeGreaterThan(0.88);
      expect(std(p) / (expected[module] as number), path).toBeLessThan(1.12);
      seen.add(module);
    }
    expect([...seen].sort()).toEqual(Object.keys(expected).sort());
    model.dispose();
  });

  it('scales with initializer_factor, is seeded, and names a module it has no rule for', () => {
    const config = t5Config({ ...base, initializer_factor: 0.5 });
    expect(t5InitStd('shared', config)).toBe(0.5);
    expect(t5InitStd('wo', config)).toBeCloseTo(0.5 / 16, 12);
    setSeed(9);
    const a = new T5ForConditionalGeneration(config);
    setSeed(9);
    const b = new T5ForConditionalGeneration(config);
    const [pa, pb] = [a.namedParameters(), b.namedParameters()];
    for (const [i, [path, p]] of pa.entries()) {
      expect(Array.from(p.value.dataSync()), path).toEqual(
        Array.from((pb[i] as [string, Parameter])[1].value.dataSync()),
      );
    }
    a.dispose();
    b.dispose();
    expect(() => t5InitStd('classifier', config)).toThrow(
      "no T5 initialisation for a module named 'classifier'",
    );
  });
});
