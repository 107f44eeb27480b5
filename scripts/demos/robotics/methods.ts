import type { DaggerOptionsInput } from '@peftkit/robotics';
import type { DemoMethod } from '../method-row.js';

/** A row of the robotics demo: `peftkit train` flags, and optionally DAgger rounds after it. */
export interface RoboticsMethod extends DemoMethod {
  /**
   * Run the row through `runDagger` with these `data.options.dagger` (the learner is rolled out in
   * the target setting and labelled by its expert): the row's training is round 0.
   */
  readonly dagger?: Omit<DaggerOptionsInput, 'env'>;
}

export type { DemoMethod };

/** The rows, cheapest first. Every trained row starts from the same base and target demos. */
export const DEMO_METHODS: readonly RoboticsMethod[] = [
  { id: 'zero-shot', label: 'zero-shot (source policy as is)' },
  // SELECTIVE on the `head` role trains the action head in place and nothing else.
  {
    id: 'head-only',
    label: 'head only (linear probe)',
    set: ['peft={peftType: SELECTIVE, targetRoles: [head]}'],
  },
  // The preset's own method: LoRA r=16 on the `policy.trunk` role, action head trained whole.
  { id: 'lora', label: 'LoRA r=16 (trunk) + head', set: [] },
  { id: 'ia3', label: 'IA3 (trunk) + head', set: ['peft={peftType: IA3, targetRoles: [policy.trunk]}'] },
  // Bottleneck adapters after each trunk Linear (the policy's `block.ffn` role), named explicitly.
  {
    id: 'bottleneck',
    label: 'bottleneck adapters + head',
    set: ['peft={peftType: BOTTLENECK, targetModules: [linear]}'],
  },
  { id: 'full', label: 'full fine-tuning', set: ['peft=full'] },
  // The LoRA row, then two DAgger rounds of 5 learner episodes each in the target setting.
  {
    id: 'lora-dagger',
    label: 'LoRA r=16 + DAgger (2 rounds x 5 episodes)',
    set: [],
    dagger: { budgetEpisodes: 10, rounds: 2, stepsPerRound: 150 },
  },
];
