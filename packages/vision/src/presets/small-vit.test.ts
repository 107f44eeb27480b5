import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { vitArchitecture } from '../models/architectures.js';
import { classificationPreset } from './classification.js';
import { multilabelPreset } from './multilabel.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('RGB presets without --base', () => {
  it('build a ViT of under 1.5 M parameters at 224 px (not the 86 M ViT-B of the schema defaults)', () => {
    for (const preset of [classificationPreset, multilabelPreset]) {
      const given = (preset.config.model as { config?: Record<string, unknown> }).config ?? {};
      // What prepareRun hands the architecture: the preprocessor's hints under the preset's fields.
      const config = vitArchitecture.configSchema.parse({ image_size: 224, num_channels: 3, ...given });
      const before = tf.memory().numTensors;
      const model = vitArchitecture.build(config);
      try {
        expect(model.numParameters(), preset.id).toBeGreaterThan(1e5);
        expect(model.numParameters(), preset.id).toBeLessThan(1.5e6);
      } finally {
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
