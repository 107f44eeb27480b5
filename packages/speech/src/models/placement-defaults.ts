import type { PlacementContribution } from '@peftkit/core';

/**
 * Default targets per PEFT method for the speech encoders: LoRA on q/v (HF PEFT's Whisper and
 * wav2vec2 examples), IA3 on k/v and the feed-forward output, Pfeiffer adapters after the
 * feed-forward block, prefix tuning on the self-attention. No prompt tuning: inputs are
 * continuous features, not tokens.
 */
function speechDefaults(architecture: string): PlacementContribution {
  return {
    architecture,
    defaults: {
      LORA: { targetRoles: ['attn.q', 'attn.v'] },
      IA3: { targetRoles: ['attn.k', 'attn.v', 'ffn.down'] },
      BOTTLENECK: { targetRoles: ['block.ffn'] },
      PREFIX_TUNING: { targetRoles: ['attention'] },
      '*': { targetRoles: ['attn.q', 'attn.v'] },
    },
  };
}

export const whisperPlacementDefaults: PlacementContribution = speechDefaults('whisper');
export const wav2vec2PlacementDefaults: PlacementContribution = speechDefaults('wav2vec2');
export const hubertPlacementDefaults: PlacementContribution = speechDefaults('hubert');
export const convTransformerPlacementDefaults: PlacementContribution =
  speechDefaults('speech/conv-transformer');

/** Every speech architecture's defaults, for the plugin to bind. */
export const speechPlacementDefaults: readonly PlacementContribution[] = [
  whisperPlacementDefaults,
  wav2vec2PlacementDefaults,
  hubertPlacementDefaults,
  convTransformerPlacementDefaults,
];
