import { Linear, MultiHeadAttention } from '@peftkit/core';

export interface SelfAttentionOptions {
  /** Dropout on the attention probabilities in training mode. */
  readonly dropout: number;
  /** Whether `k_proj` has a bias (Whisper's has none; wav2vec2's has one). Default true. */
  readonly keyBias?: boolean;
}

/**
 * The encoder self-attention of the speech families: core's `MultiHeadAttention`, whose
 * `q_proj` / `k_proj` / `v_proj` / `out_proj` children already carry the Hugging Face names and
 * whose prefix hook serves prefix tuning. HF Whisper's `k_proj` has no bias, so that child is
 * swapped for a bias-free Linear (the module reads its children by name on every call).
 *
 * @example const attn = speechSelfAttention(384, 6, { dropout: 0, keyBias: false });
 */
export function speechSelfAttention(
  embedDim: number,
  numHeads: number,
  options: SelfAttentionOptions,
): MultiHeadAttention {
  const attn = new MultiHeadAttention(embedDim, numHeads, { dropout: options.dropout });
  if (options.keyBias === false) {
    attn.setSubmodule('k_proj', new Linear(embedDim, embedDim, { bias: false })).dispose();
  }
  return attn;
}
