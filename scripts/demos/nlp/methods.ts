import type { DemoMethod } from '../method-row.js';

/** A row of the text demo; `fromScratch` rows train without the pretrained base. */
export interface NlpDemoMethod extends DemoMethod {
  readonly set: readonly string[];
  /** Learning rate (`training.lr`), this row's best on the val split (see `DEMO_METHODS`). */
  readonly lr: number;
  /**
   * Train a randomly initialised BERT of the same shape and vocabulary instead of adapting the
   * base: the reference that says what the masked-LM pretraining on the emails is worth.
   */
  readonly fromScratch?: boolean;
}

/**
 * The rows, cheapest first. Every row trains a fresh 2-way classifier over the mean of the last
 * hidden states; what else trains is the method. Each row's learning rate is the best of 1e-3,
 * 3e-3 and 1e-2 on the val split after the default budget (picked once; the test split played
 * no part): the rows that train a few new parameters over the frozen base want larger steps
 * than the rows that move every weight.
 */
export const DEMO_METHODS: readonly NlpDemoMethod[] = [
  // SELECTIVE on the `head` role trains the classifier in place and nothing else.
  {
    id: 'linear-probe',
    label: 'linear probe (head only)',
    set: ['peft={peftType: SELECTIVE, targetRoles: [head]}'],
    lr: 3e-3,
  },
  // The preset's own method: LoRA r=8 on attn.q, attn.v and the word embedding.
  { id: 'lora', label: 'LoRA r=8 (q, v, embed) + head', set: [], lr: 3e-3 },
  { id: 'ia3', label: 'IA3 (k, v, ffn.down) + head', set: ['peft={peftType: IA3}'], lr: 1e-2 },
  {
    id: 'bottleneck',
    label: 'bottleneck adapters + head',
    set: ['peft={peftType: BOTTLENECK}'],
    lr: 1e-2,
  },
  { id: 'full', label: 'full fine-tuning', set: ['peft=full'], lr: 1e-3 },
  {
    id: 'scratch',
    label: 'no pretraining: full training from random init',
    set: ['peft=full'],
    lr: 1e-3,
    fromScratch: true,
  },
];
