import type { Preset } from '@peftkit/core';

/** A small ViT for 28x28 greyscale images (MedMNIST size), pretrainable on the `mnist` digits. */
export const MEDICAL_VIT = {
  image_size: 28,
  patch_size: 7,
  num_channels: 1,
  hidden_size: 64,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 128,
} as const;

/**
 * `vision/medical-imaging`: binary findings on greyscale scans. Per-image z-score (scanner gain
 * and offset vary), gentle augmentation, class-balanced sampling for imbalance, LoRA, flip
 * test-time augmentation, and the metrics clinicians ask for: AUROC, sensitivity/specificity at
 * the Youden-optimal threshold, accuracy. For more than two classes set `training.metrics` to
 * `['accuracy', 'auroc_ovr']`.
 *
 * Imbalance: class-balanced sampling rather than class-weighted loss, because on a 10:1 finding
 * (docs/vision.md, "Imbalance") it gave higher test AUROC on every seed (0.876 vs 0.798 mean of
 * 3) and better sensitivity and specificity at the default decision: every batch holds about as
 * many positives as negatives, each seen under fresh augmentation, instead of a few positives
 * with a large weight. `balance: weights` stays available (and suits readers without labels).
 */
export const medicalImagingPreset: Preset = {
  id: 'vision/medical-imaging',
  domain: 'vision',
  task: 'classification',
  description:
    'binary medical image classification (MedMNIST .npz, DICOM, 16-bit PNG/TIFF): z-scored greyscale 28x28, class-balanced sampling, LoRA r=8, flip TTA; AUROC, sensitivity/specificity at a tuned threshold, accuracy.',
  config: {
    data: { sampling: 'class-balanced' },
    preprocess: {
      id: 'vision/image',
      options: {
        channels: 1,
        resize: { size: 28, fit: 'cover' },
        normalize: 'z-score',
        augment: { hflip: 0.5, rotate: 10, brightness: 0.1, contrast: 0.1 },
      },
    },
    model: { architecture: 'vit', config: { ...MEDICAL_VIT } },
    head: { id: 'vision/classification', config: { tta: 'hflip' } },
    peft: { peftType: 'LORA', r: 8, loraAlpha: 16, loraDropout: 0.05 },
    training: {
      epochs: 10,
      batchSize: 32,
      lr: 2e-3,
      warmupRatio: 0.05,
      metrics: ['auroc', 'best_threshold', 'accuracy'],
      earlyStopping: { metric: 'auroc', mode: 'max', patience: 3 },
    },
  },
  pretrain: {
    description: "full training of the small ViT on the 'mnist' package digits (the source domain)",
    config: {
      // The source digits are balanced already: one plain shuffled pass per epoch.
      data: { train: 'mnist:train', eval: 'mnist:test', sampling: 'shuffle' },
      preprocess: { options: { augment: { hflip: 0 } } },
      training: {
        epochs: 3,
        lr: 1e-3,
        metrics: ['accuracy'],
        earlyStopping: { metric: 'accuracy', mode: 'max', patience: 2 },
      },
    },
  },
};
