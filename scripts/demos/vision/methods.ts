import type { DemoMethod } from '../method-row.js';

export type { DemoMethod };

/** The rows, cheapest first. The head is a fresh 10-way classifier in every trained row. */
export const DEMO_METHODS: readonly DemoMethod[] = [
  { id: 'zero-shot', label: 'zero-shot (source model as is)' },
  // SELECTIVE on the `head` role trains the classifier in place and nothing else.
  {
    id: 'linear-probe',
    label: 'linear probe (head only)',
    set: ['peft={peftType: SELECTIVE, targetRoles: [head]}'],
  },
  // The preset's own method: LoRA r=8 on the `conv` role (every convolution of the ResNet).
  { id: 'lora', label: 'LoRA r=8 (convs) + head', set: [] },
  { id: 'ia3', label: 'IA3 (convs) + head', set: ['peft={peftType: IA3}'] },
  { id: 'bottleneck', label: 'bottleneck adapters + head', set: ['peft={peftType: BOTTLENECK}'] },
  { id: 'full', label: 'full fine-tuning', set: ['peft=full'] },
];
