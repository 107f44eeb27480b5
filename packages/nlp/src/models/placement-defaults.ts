import type { PlacementContribution } from '@peftkit/core';

/**
 * Default targets per PEFT method for a BERT-style encoder, as HF PEFT's BERT examples: LoRA on
 * query/value (`q_lin`/`v_lin` in DistilBERT, HF PEFT's default there too), IA3 on key/value and
 * the feed-forward output, Pfeiffer adapters after the feed-forward block.
 */
function encoderPlacementDefaults(architecture: string): PlacementContribution {
  return {
    architecture,
    defaults: {
      LORA: { targetRoles: ['attn.q', 'attn.v'] },
      IA3: { targetRoles: ['attn.k', 'attn.v', 'ffn.down'] },
      BOTTLENECK: { targetRoles: ['block.ffn'] },
      PREFIX_TUNING: { targetRoles: ['attention'] },
      PROMPT_TUNING: { targetRoles: ['embed'] },
      '*': { targetRoles: ['attn.q', 'attn.v'] },
    },
  };
}

export const bertPlacementDefaults: PlacementContribution = encoderPlacementDefaults('bert');

export const distilBertPlacementDefaults: PlacementContribution = encoderPlacementDefaults('distilbert');

/** GPT-2: the fused `c_attn` (HF PEFT's default for gpt2), IA3 also on `mlp.c_proj`. */
export const gpt2PlacementDefaults: PlacementContribution = {
  architecture: 'gpt2',
  defaults: {
    LORA: { targetRoles: ['attn.qkv'] },
    IA3: { targetRoles: ['attn.qkv', 'ffn.down'] },
    BOTTLENECK: { targetRoles: ['block.ffn'] },
    PREFIX_TUNING: { targetRoles: ['attention'] },
    PROMPT_TUNING: { targetRoles: ['embed'] },
    '*': { targetRoles: ['attn.qkv'] },
  },
};

/**
 * Encoder-decoders (T5, BART, Marian): HF PEFT's defaults target `q`/`v` (`q_proj`/`v_proj`),
 * which match the self-attentions of both stacks and the decoder's cross-attention, hence the
 * `xattn.*` roles beside `attn.*`. IA3 adds the feed-forward output, as HF's T5 default (`wo`).
 * Prefix and prompt tuning are not offered yet (see docs/nlp.md).
 */
function seq2seqPlacementDefaults(architecture: string): PlacementContribution {
  return {
    architecture,
    defaults: {
      LORA: { targetRoles: ['attn.q', 'attn.v', 'xattn.q', 'xattn.v'] },
      IA3: { targetRoles: ['attn.k', 'attn.v', 'xattn.k', 'xattn.v', 'ffn.down'] },
      '*': { targetRoles: ['attn.q', 'attn.v', 'xattn.q', 'xattn.v'] },
    },
  };
}

export const t5PlacementDefaults: PlacementContribution = seq2seqPlacementDefaults('t5');
export const bartPlacementDefaults: PlacementContribution = seq2seqPlacementDefaults('bart');
export const marianPlacementDefaults: PlacementContribution = seq2seqPlacementDefaults('marian');
