import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, loadRun, predictRun, Rng, resolveRunConfig, trainRun } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visionPlugin } from './plugin.js';
import { multilabelPreset } from './presets/multilabel.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vision-plugin-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * 16x16 RGB images with two independent findings: a bright left half (`left`) and a bright right
 * half (`right`), plus noise. Returns the CSV manifest rows (`path,left,right`).
 */
async function writeHalves(n: number, rng: Rng, prefix: string): Promise<string[]> {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const left = i % 2;
    const right = Math.floor(i / 2) % 2;
    const pixels = new Uint8Array(16 * 16 * 3);
    for (let r = 0; r < 16; r++) {
      for (let c = 0; c < 16; c++) {
        const on = c < 8 ? left : right;
        for (let k = 0; k < 3; k++) {
          pixels[(r * 16 + c) * 3 + k] = Math.max(
            0,
            Math.min(255, Math.round((on ? 190 : 60) + rng.normal(0, 25))),
          );
        }
      }
    }
    const file = `${prefix}-${i}.png`;
    await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } })
      .png()
      .toFile(path.join(dir, file));
    rows.push(`${file},${left},${right}`);
  }
  return rows;
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

  it('trains vision/multilabel from a CSV manifest and reports the multi-label metrics', async () => {
    const rng = new Rng(5);
    const header = 'path,left,right';
    const trainCsv = path.join(dir, 'train.csv');
    const evalCsv = path.join(dir, 'eval.csv');
    await fs.writeFile(trainCsv, [header, ...(await writeHalves(32, rng, 'train'))].join('\n'));
    await fs.writeFile(evalCsv, [header, ...(await writeHalves(16, rng, 'eval'))].join('\n'));
    const host = await createPeftkit({ plugins: [visionPlugin] });
    const { config } = resolveRunConfig({
      preset: multilabelPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: { train: trainCsv, eval: evalCsv, options: { labelColumns: ['left', 'right'] } },
            preprocess: { options: { resize: { size: 16 } } },
            model: {
              config: {
                patch_size: 8,
                hidden_size: 16,
                num_hidden_layers: 1,
                num_attention_heads: 2,
                intermediate_size: 32,
              },
            },
            head: { config: { thresholds: [0.4, 0.6] } },
            training: { maxSteps: 8, batchSize: 8, lr: 1e-2 },
          },
        },
      ],
    });
    expect(config.training.metrics).toEqual([
      'multilabel_auroc',
      'multilabel_f1',
      'subset_accuracy',
      'hamming_loss',
    ]);
    const out = path.join(dir, 'multilabel');
    const result = await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    const m = result.summary.finalMetrics ?? {};
    for (const key of [
      'multilabel_auroc.macro',
      'multilabel_auroc.micro',
      'multilabel_f1',
      'subset_accuracy',
      'hamming_loss',
    ]) {
      expect(m[key], key).toBeGreaterThanOrEqual(0);
      expect(m[key], key).toBeLessThanOrEqual(1);
    }
    expect(m['multilabel_auroc.evaluated']).toBe(2);
    expect(m['multilabel_auroc.skipped']).toBe(0);
    expect(result.labels).toEqual(['left', 'right']);

    // Predictions decide at the configured thresholds, which the saved run carries.
    const run = await loadRun(host, out);
    const [p] = await predictRun(run, [path.join(dir, 'eval-3.png')]);
    const probs = p?.probabilities ?? {};
    const expected = (['left', 'right'] as const).filter((l, i) => (probs[l] as number) >= [0.4, 0.6][i]!);
    expect(p?.value).toEqual(expected);
    run.model.dispose();
  });

  it('refuses class-balanced sampling for multi-label data, naming the setting', async () => {
    const host = await createPeftkit({ plugins: [visionPlugin] });
    const { config } = resolveRunConfig({
      preset: multilabelPreset,
      layers: [
        {
          name: 'test',
          value: {
            data: {
              train: path.join(dir, 'train.csv'),
              eval: path.join(dir, 'eval.csv'),
              options: { labelColumns: ['left', 'right'] },
              sampling: 'class-balanced',
            },
            preprocess: { options: { resize: { size: 16 } } },
            model: {
              config: {
                patch_size: 8,
                hidden_size: 8,
                num_hidden_layers: 1,
                num_attention_heads: 2,
                intermediate_size: 8,
              },
            },
            training: { maxSteps: 1, batchSize: 8 },
          },
        },
      ],
    });
    await expect(
      trainRun(host, { config, outDir: path.join(dir, 'balanced'), progress: 'none', log: () => {} }),
    ).rejects.toThrow("data.sampling 'class-balanced' needs the class of every training example");
  });
});
