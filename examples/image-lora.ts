// Image LoRA: the vision plugin's classification preset with a tiny ViT on generated 16x16 images
// (a class folder per label, as `vision/image-folder` reads). Real runs pass a pretrained base
// (`model.base`, e.g. a Hugging Face ViT directory or Hub id) and larger images.
// Run: npx tsx examples/image-lora.ts [outDir]
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, loadRun, predictRun, Rng, resolveRunConfig, trainRun } from '@peftkit/core';
import vision from '@peftkit/vision/plugin';
import sharp from 'sharp';

/** `n` images per class: 'light' ones are bright, 'dark' ones dim, with seeded noise. */
async function writeImages(root: string, n: number): Promise<void> {
  const rng = new Rng(1);
  for (const [label, level] of [
    ['dark', 60],
    ['light', 190],
  ] as const) {
    await fs.mkdir(path.join(root, label), { recursive: true });
    for (let i = 0; i < n; i++) {
      const pixels = Buffer.from(
        Array.from({ length: 16 * 16 * 3 }, () => Math.round(level + rng.normal(0, 10))),
      );
      await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toFile(path.join(root, label, `${i}.png`));
    }
  }
}

const images = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-images-'));
await writeImages(images, 12);
const host = await createPeftkit({ plugins: [vision] });
const { config } = resolveRunConfig({
  preset: host.presets.get('vision/classification'),
  layers: [
    {
      name: 'example',
      value: {
        data: { train: images, evalFraction: 0.25 },
        preprocess: { options: { resize: { size: 16 }, crop: 16, augment: { randomCrop: false } } },
        model: {
          config: {
            image_size: 16,
            patch_size: 8,
            hidden_size: 16,
            num_hidden_layers: 1,
            num_attention_heads: 2,
            intermediate_size: 32,
          },
        },
        training: { epochs: 3, batchSize: 8, lr: 1e-2, warmupRatio: 0 },
      },
    },
  ],
});
const outDir = process.argv[2] ?? 'runs/example-image-lora';
await trainRun(host, { config, outDir });
const run = await loadRun(host, outDir);
console.log(await predictRun(run, [path.join(images, 'light', '0.png'), path.join(images, 'dark', '0.png')]));
await fs.rm(images, { recursive: true, force: true });
