import type { DaggerOptionsInput } from '@peftkit/robotics';
import type { DemoMethod } from '../method-row.js';

/** A row of the robotics demo: `peftkit train` flags, and optionally DAgger rounds after it. */
export interface RoboticsMethod extends DemoMethod {
  /**
   * Run the row through `runDagger` with these `data.options.dagger` (the learner is rolled out in
   * the target setting and labelled by its expert): the row's training is round 0.
   */
  readonly dagger?: Omit<DaggerOptionsInput, 'env'>;
  /**
   * The row whose run of the same seed is exactly this DAgger row's round 0 (the same `set`,
   * steps and demos): the demo copies that run in as `round-0` instead of training it twice.
   */
  readonly round0Of?: string;
  /**
   * Train on this many more expert episodes in the target setting than the other rows (the next
   * collection seeds after theirs, so the first episodes are the same): plain behaviour cloning
   * with DAgger's label budget, to tell DAgger's on-policy states from its extra data.
   */
  readonly extraDemos?: number;
  /**
   * Optimizer steps as a multiple of the scenario's `adaptSteps` (default 1): 2 matches the DAgger
   * row's total (its round 0 plus 2 rounds of half as many steps each).
   */
  readonly stepsFactor?: number;
}

/** Learner episodes the DAgger row has the expert label (and the matched row's extra demos). */
export const DAGGER_EPISODES = 10;
/** Steps of each DAgger round after round 0: half the default budget's `adaptSteps` (300). */
const DAGGER_ROUND_STEPS = 150;

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
    dagger: { budgetEpisodes: DAGGER_EPISODES, rounds: 2, stepsPerRound: DAGGER_ROUND_STEPS },
    round0Of: 'lora',
  },
  // DAgger's comparison: as many expert-labelled episodes, recorded by the expert itself (no
  // learner rollouts), and as many optimizer steps (300 + 2 x 150), plain behaviour cloning.
  {
    id: 'lora-more-demos',
    label: `LoRA r=16 + ${DAGGER_EPISODES} more expert demos (no DAgger)`,
    set: [],
    extraDemos: DAGGER_EPISODES,
    stepsFactor: 2,
  },
];
