import type { Preset } from '@peftkit/core';

/** A small MLP policy: what the presets build without `--base` and what the demo pretrains. */
export const SMALL_MLP_POLICY = {
  hidden_size: 128,
  num_layers: 3,
  activation: 'relu',
  layer_norm: true,
} as const;

/**
 * `robotics/behavior-cloning`: trains a whole policy (a base) from demonstration episodes by
 * regressing the expert's normalised action. Point `--data` at a LeRobot folder, a robomimic
 * HDF5, a `.npz` or JSONL steps.
 */
export const behaviorCloningPreset: Preset = {
  id: 'robotics/behavior-cloning',
  domain: 'robotics',
  task: 'behavior-cloning',
  description:
    'train a policy (a base) from demonstrations: MLP trunk over normalised observations, MSE on normalised actions, full training',
  config: {
    data: { evalFraction: 0.1, sampling: 'shuffle' },
    preprocess: { id: 'robotics/policy-input', options: { historyLength: 1, normalization: 'mean_std' } },
    model: { architecture: 'mlp_policy', config: { ...SMALL_MLP_POLICY } },
    head: { id: 'robotics/deterministic-action' },
    peft: 'full',
    training: {
      epochs: 30,
      batchSize: 256,
      lr: 1e-3,
      weightDecay: 1e-4,
      warmupRatio: 0.02,
      metrics: ['mse'],
    },
    evaluation: { evaluator: 'robotics/rollout', options: { env: { id: 'cartpole' }, episodes: 20 } },
  },
};
