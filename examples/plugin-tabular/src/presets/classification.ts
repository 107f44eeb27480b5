import type { Preset } from '@peftkit/core';

/**
 * `tabular/classification`: LoRA r=4 on the MLP's feed-forward projections, the classifier
 * trained whole. Give a base pretrained on related data with `--base` (see `pretrain`), or
 * none to adapt a freshly initialised MLP.
 */
export const classificationPreset: Preset = {
  id: 'tabular/classification',
  domain: 'tabular',
  task: 'classification',
  description: 'classify CSV rows; LoRA r=4 on ffn.up/ffn.down of an MLP, classifier trained whole',
  config: {
    data: { evalFraction: 0.2 },
    preprocess: { id: 'tabular/standardize' },
    model: {
      architecture: 'tabular-mlp',
      config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2 },
    },
    head: { id: 'tabular/classification' },
    peft: { peftType: 'LORA', r: 4, loraAlpha: 8, loraDropout: 0, targetRoles: ['ffn.up', 'ffn.down'] },
    training: {
      epochs: 20,
      batchSize: 32,
      lr: 1e-2,
      weightDecay: 0,
      schedule: 'linear',
      warmupRatio: 0.05,
      metrics: ['accuracy', 'macro_f1'],
    },
  },
  pretrain: {
    description: 'full training of the MLP on a generated source table (synthetic:source, 2000 rows)',
    config: {
      data: { train: 'synthetic:source?rows=2000&seed=1', reader: 'tabular/synthetic' },
      training: { epochs: 10, lr: 3e-3, weightDecay: 0.01 },
    },
  },
};
