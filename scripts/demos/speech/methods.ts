import type { DemoMethod } from '../method-row.js';

/** A row of the speech demo: `set` absent for zero-shot (the base as is). */
export interface SpeechDemoMethod extends DemoMethod {
  /** Learning rate (`training.lr`) of a trained row. */
  readonly lr?: number;
}

/**
 * The rows, cheapest first. Every trained row starts from the committed base and its CTC head,
 * on the same target-accent clips, steps, batch and seed; `lm_head` trains whole in every
 * adapter row (the preset's `head.trainable`), as MMS retrains its head per language. Learning
 * rates were picked once on the target dev speakers: LoRA and the bottleneck adapters reached dev
 * CER 21% and 24% at 1e-2 against 30% and 28% at 3e-3; IA3 was run at 1e-2 only, full
 * fine-tuning at 1e-3 only (the test split played no part).
 */
export const DEMO_METHODS: readonly SpeechDemoMethod[] = [
  { id: 'zero-shot', label: 'zero-shot (source-accent base as is)' },
  // The preset's own method: LoRA r=8, alpha 16 on attn.q and attn.v.
  { id: 'lora', label: 'LoRA r=8 (q, v) + lm_head', set: [], lr: 1e-2 },
  // MMS puts a small bottleneck after each encoder layer's feed-forward block and retrains lm_head.
  {
    id: 'bottleneck',
    label: 'MMS-style bottleneck adapters (after each FFN) + lm_head',
    set: ['peft={peftType: BOTTLENECK, bottleneckSize: 16}'],
    lr: 1e-2,
  },
  { id: 'ia3', label: 'IA3 (k, v, ffn.down) + lm_head', set: ['peft={peftType: IA3}'], lr: 1e-2 },
  { id: 'full', label: 'full fine-tuning', set: ['peft=full'], lr: 1e-3 },
];
