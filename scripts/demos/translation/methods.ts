import type { DemoMethod } from '../method-row.js';

/** A row of the translation demo: `set` absent = zero-shot (the base as is). */
export interface TranslationMethod extends DemoMethod {
  /** Learning rate (`training.lr`) of the row. */
  readonly lr: number;
}

/**
 * The rows. Methods that train a few new parameters over the frozen base get larger steps than
 * full fine-tuning, which moves every weight. The rates are not tuned: at 1e-2 (prefix) and 3e-2
 * (prompt) a first run ended with a higher val loss than LoRA's at 1e-2 (4.8 and 5.8 against 2.1),
 * so this run uses a third of those.
 */
export const TRANSLATION_METHODS: readonly TranslationMethod[] = [
  { id: 'zero-shot', label: 'zero-shot (the base as is)', lr: 0 },
  // The preset's own method: LoRA r=8 on q, v of self- and cross-attention.
  { id: 'lora', label: 'LoRA r=8 (q, v; self + cross)', set: [], lr: 1e-2 },
  {
    id: 'prefix',
    label: 'prefix tuning (20 virtual tokens)',
    set: ['peft={peftType: PREFIX_TUNING, numVirtualTokens: 20}'],
    lr: 3e-3,
  },
  {
    id: 'prompt',
    label: 'prompt tuning (20 virtual tokens)',
    set: ['peft={peftType: PROMPT_TUNING, numVirtualTokens: 20}'],
    lr: 1e-2,
  },
  { id: 'full', label: 'full fine-tuning', set: ['peft=full'], lr: 1e-3 },
];
