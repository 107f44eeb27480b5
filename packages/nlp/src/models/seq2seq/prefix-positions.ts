import { type AnyModule, activePrefixLength, prependVirtualTokens } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/**
 * Prefix positions the decoder's self-attentions put in front of their keys/values on a call
 * without a cache (prefix tuning; 0 without an active prefix adapter). HF PEFT feeds the prefix as
 * the decoder's first cached positions, so the stack offsets positions, the causal mask and T5's
 * relative position bias by it. Every self-attention must carry the same prefix; `caller` names
 * the stack in the error otherwise.
 */
export function decoderPrefixLength(selfAttentions: readonly AnyModule[], caller: string): number {
  const lengths = selfAttentions.map((m) => activePrefixLength(m));
  const first = lengths[0] ?? 0;
  if (lengths.some((n) => n !== first)) {
    throw new Error(
      `${caller}: prefix tuning must cover every decoder self-attention with the same prefix, got lengths ${lengths.join(', ')}`,
    );
  }
  return first;
}

/**
 * The decoder's own padding mask with ones in front for `count` prefix positions, as HF PEFT
 * extends `decoder_attention_mask`; unchanged when `count` is 0 or there is no mask.
 */
export function withPrefixPositions(mask: tf.Tensor | undefined, count: number): tf.Tensor | undefined {
  return mask && count > 0 ? prependVirtualTokens(mask, count, 1) : mask;
}

/**
 * Splits an embedding output `[B, V + T, E]` for `T` token ids into the `V` virtual tokens prompt
 * tuning put in front (encoder input) and the tokens' embeddings.
 */
export function virtualTokenCount(embedded: tf.Tensor, tokens: number, caller: string): number {
  const v = (embedded.shape[1] as number) - tokens;
  if (v < 0) throw new Error(`${caller}: the embedding returned fewer positions than token ids`);
  return v;
}
