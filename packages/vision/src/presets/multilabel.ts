import type { Preset } from '@peftkit/core';
import { SMALL_VIT } from './small-vit.js';

/** `vision/multilabel`: co-occurring labels from a CSV manifest with one 0/1 column per label. */
export const multilabelPreset: Preset = {
  id: 'vision/multilabel',
  domain: 'vision',
  task: 'multilabel-classification',
  description:
    'multi-label images (CSV manifest with one 0/1 column per label: set data.options.labelColumns): RGB 224, sigmoid + BCE with positive weights, LoRA r=8; macro AUROC, macro F1 at the per-label thresholds, subset accuracy, Hamming loss.',
  config: {
    data: { reader: 'vision/csv' },
    preprocess: {
      id: 'vision/image',
      options: {
        channels: 3,
        resize: { size: 224, fit: 'cover' },
        normalize: 'imagenet',
        balance: 'weights',
        augment: { hflip: 0.5 },
      },
    },
    model: { architecture: 'vit', config: { ...SMALL_VIT } },
    head: { id: 'vision/multilabel' },
    peft: { peftType: 'LORA', r: 8, loraAlpha: 16 },
    training: {
      epochs: 5,
      batchSize: 32,
      lr: 5e-4,
      metrics: ['multilabel_auroc', 'multilabel_f1', 'subset_accuracy', 'hamming_loss'],
    },
  },
};
