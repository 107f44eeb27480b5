import type { Preset } from '@peftkit/core';
import { SMALL_MLP_POLICY } from './behavior-cloning.js';

/**
 * `robotics/dynamics-shift`: adapts a pretrained policy (`--base`) to changed physics (heavier
 * payload, weaker motor, more friction) from a few demonstrations in the new setting: LoRA r=16
 * on every trunk layer (policies want higher ranks than text), the action head trained whole,
 * the base's normalisation statistics kept.
 */
export const dynamicsShiftPreset: Preset = {
  id: 'robotics/dynamics-shift',
  domain: 'robotics',
  task: 'behavior-cloning',
  description:
    'adapt a pretrained policy to changed physics from few demonstrations: LoRA r=16 on the trunk, action head trained whole',
  config: {
    data: { evalFraction: 0.2, sampling: 'shuffle' },
    preprocess: { id: 'robotics/policy-input', options: { historyLength: 1, normalization: 'mean_std' } },
    model: { architecture: 'mlp_policy', config: { ...SMALL_MLP_POLICY } },
    head: { id: 'robotics/deterministic-action' },
    peft: { peftType: 'LORA', r: 16, loraAlpha: 32, loraDropout: 0, targetRoles: ['policy.trunk'] },
    training: { epochs: 40, batchSize: 128, lr: 3e-3, weightDecay: 0, warmupRatio: 0.05, metrics: ['mse'] },
    // `peftkit eval --adapter <run>` rolls the policy out here; set the shifted physics with
    // --set evaluation.options.env.poleMass=1 (or --options at eval time).
    // report: 3 seeded rollouts when training ends, plotted before (adapter off) vs after in report.html.
    evaluation: {
      evaluator: 'robotics/rollout',
      options: { env: { id: 'cartpole' }, episodes: 20 },
      report: { options: { episodes: 3, plots: 3 } },
    },
  },
};

/**
 * `robotics/new-goal`: adapts a pretrained policy to a new goal region (the reacher's target moves)
 * from a few demonstrations; same adapter placement as dynamics shift, more epochs since the
 * change is in what to do rather than how the robot responds.
 */
export const newGoalPreset: Preset = {
  id: 'robotics/new-goal',
  domain: 'robotics',
  task: 'behavior-cloning',
  description:
    'adapt a pretrained policy to a new goal region from few demonstrations: LoRA r=16 on the trunk',
  config: {
    ...dynamicsShiftPreset.config,
    training: { epochs: 60, batchSize: 128, lr: 3e-3, weightDecay: 0, warmupRatio: 0.05, metrics: ['mse'] },
    evaluation: {
      evaluator: 'robotics/rollout',
      options: { env: { id: 'reacher' }, episodes: 20 },
      report: { options: { episodes: 3, plots: 3 } },
    },
  },
};
