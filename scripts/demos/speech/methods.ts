import type { DemoMethod } from '../method-row.js';

/** A row of the speech demo: `set` absent for zero-shot (the base as is). */
export interface SpeechDemoMethod extends DemoMethod {
  /** Learning rate (`training.lr`) of a trained row. */
  readonly lr?: number;
}

/**
 * The rows, cheapest first. Every trained row starts from the committed base and its CTC head,
 * on the same target-accent clips, steps, batch and seed; `lm_head` trains whole in every
 * adapter row (the preset's `head.trainable`), as MMS retrains its head per language. The rows
 * that train a few new weights over a frozen encoder take larger steps than full fine-tuning.
 */
export const DEMO_METHODS: readonly SpeechDemoMethod[] = [
  { id: 'zero-shot', label: 'zero-shot (source-accent base as is)' },
  // The preset's own method: LoRA r=8, alpha 16 on attn.q and attn.v.
  { id: 'lora', label: 'LoRA r=8 (q, v) + lm_head', set: [], lr: 3e-3 },
  // MMS puts a small bottleneck after each encoder layer's feed-forward block and retrains lm_head.
  {
    id: 'bottleneck',
    label: 'MMS-style bottleneck adapters (after each FFN) + lm_head',
    set: ['peft={peftType: BOTTLENECK, bottleneckSize: 16}'],
    lr: 3e-3,
  },
  { id: 'ia3', label: 'IA3 (k, v, ffn.down) + lm_head', set: ['peft={peftType: IA3}'], lr: 1e-2 },
  { id: 'full', label: 'full fine-tuning', set: ['peft=full'], lr: 1e-3 },
];
