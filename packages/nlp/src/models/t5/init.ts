import { type AnyModule, Embedding, Linear, resetNormal } from '@peftkit/core';
import type { T5Config } from './config.js';

/**
 * The standard deviation Hugging Face's `T5PreTrainedModel._init_weights` (Mesh TensorFlow's
 * scheme) draws a T5 weight from, by the module's name, times `initializer_factor`:
 * - `shared` and an untied `lm_head`: 1;
 * - attention `q`: `(d_model * d_kv)^-0.5` (T5 does not scale its attention scores, the query
 *   init does), `k` / `v`: `d_model^-0.5`, `o`: `(num_heads * d_kv)^-0.5`,
 *   `relative_attention_bias`: `d_model^-0.5`;
 * - feed-forward `wi` / `wi_0` / `wi_1`: `d_model^-0.5`, `wo`: `d_ff^-0.5`.
 * One std for every weight (what peftkit's T5 had) leaves a tied T5's output logits (`d_model^-0.5`
 * times the decoder output against a small `shared`) near zero, and such a model learnt little
 * more than word frequencies in pretraining from scratch.
 */
export function t5InitStd(name: string, config: T5Config): number {
  const f = config.initializer_factor;
  const { d_model: d, d_kv: kv, num_heads: heads, d_ff: ff } = config;
  switch (name) {
    case 'shared':
    case 'lm_head':
      return f;
    case 'q':
      return f * (d * kv) ** -0.5;
    case 'k':
    case 'v':
    case 'relative_attention_bias':
    case 'wi':
    case 'wi_0':
    case 'wi_1':
      return f * d ** -0.5;
    case 'o':
      return f * (heads * kv) ** -0.5;
    case 'wo':
      return f * ff ** -0.5;
    default:
      throw new Error(`t5InitStd: no T5 initialisation for a module named '${name}'`);
  }
}

/**
 * Draws every Linear and Embedding weight of a T5 from N(0, {@link t5InitStd}^2) in tree order with
 * peftkit's seeded generator (T5 has no biases; its RMS norms start at one when built).
 */
export function initT5Weights(root: AnyModule, config: T5Config): void {
  for (const [path, m] of root.namedModules()) {
    if (!(m instanceof Linear || m instanceof Embedding)) continue;
    const name = path.slice(path.lastIndexOf('.') + 1);
    resetNormal(m.weight, t5InitStd(name, config));
  }
}
