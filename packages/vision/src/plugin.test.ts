import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, loadRun, predictRun, Rng, resolveRunConfig, trainRun } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from './data/npy.js';
import { encodeNpz } from './data/npz.js';
import { visionPlugin } from './plugin.js';
import { medicalImagingPreset } from './presets/medical-imaging.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vision-plugin-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Bright-centre (class 1) vs dark-centre (class 0) 28x28 images, imbalanced 3:1. */
function split(n: number, rng: Rng): { images: number[]; labels: number[] } {
  const images: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 4 === 0 ? 1 : 0;
    labels.push(y);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const centre = Math.abs(r - 13.5) < 6 && Math.abs(c - 13.5) < 6;
        images.push(Math.max(0, Math.min(255, Math.round((centre && y ? 200 : 60) + rng.normal(0, 20)))));
      }
    }
  }
  return { images, labels };
}

describe('@peftkit/vision plugin', () => {
  it('contributes readers, preprocessor, architectures, heads and presets', async () => {
    const host = await createPeftkit({ plugins: [visionPlugin] });
    expect(host.presets.ids()).toEqual(
      expect.arrayContaining(['vision/classification', 'vision/medical-imaging', 'vision/multilabel']),
    );
    expect(host.architectures.ids()).toEqual(expect.arrayContaining(['vit', 'resnet', 'tfjs-layers']));
    expect(host.readers.ids()).toEqual(
      expect.arrayContaining([
        'vision/medmnist',
        'vision/image-folder',
        'vision/csv',
        'vision/idx',
        'vision/mnist-package',
      ]),
    );
  });

  it('trains vision/medical-imaging on a MedMNIST npz, reports AUROC and sensitivity/specificity, predicts a PNG', async () => {
    const rng = new Rng(5);
    const train = split(48, rng);
    const val = split(16, rng);
    const file = path.join(dir, 'tinymnist.npz');
    await fs.writeFile(
      file,
      encodeNpz({
        train_images: encodeNpy('|u1', [48, 28, 28], train.images),
        train_labels: encodeNpy('<i8', [48, 1], train.labels),
        val_images: encodeNpy('|u1', [16, 28, 28], val.images),
        val_labels: encodeNpy('<i8', [16, 1], val.labels),
      }),
    );
    const host = await createPeftkit({ plugins: [visionPlugin] });
    const { config } = resolveRunConfig({
      preset: medicalImagingPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: { train: file, eval: file },
            model: {
              config: { hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32 },
            },
            training: { epochs: 1, maxSteps: 6, batchSize: 8, lr: 1e-2, earlyStopping: undefined },
          },
        },
      ],
    });
    const out = path.join(dir, 'run');
    const result = await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    const metrics = result.summary.finalMetrics ?? {};
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['auroc', 'accuracy']));
    expect(Object.keys(metrics).some((k) => k.startsWith('best_threshold'))).toBe(true);
    expect(result.files).toEqual(
      expect.arrayContaining([
        'adapter_config.json',
        'adapter_model.safetensors',
        'preprocessor.json',
        'summary.json',
      ]),
    );
    const pre = JSON.parse(await fs.readFile(path.join(out, 'preprocessor.json'), 'utf8'));
    expect(JSON.stringify(pre)).toContain('classWeights');

    const png = path.join(dir, 'scan.png');
    await sharp(Uint8Array.from(val.images.slice(0, 28 * 28)), {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .toColourspace('b-w')
      .png()
      .toFile(png);
    const run = await loadRun(host, out);
    const [p] = await predictRun(run, [png]);
    expect(p?.input).toBe(png);
    expect(Object.keys(p?.probabilities ?? {})).toEqual(['0', '1']);
    const total = Object.values(p?.probabilities ?? {}).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 5);
    run.model.dispose();
  });
});
