/**
 * Issue 15 at the vision plugin: a truncated PNG in an image folder is only decoded during
 * training. The run must end with one line naming the file (exit 2, the user-error code), be
 * marked `failed` with that reason, and rerun in place once the file is fixed.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureOutput, runCli } from '@peftkit/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visionPlugin } from './plugin.js';

const png = (value: number) =>
  sharp(new Uint8Array(16 * 16 * 3).fill(value), { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toBuffer();

let dir: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vision-dataerr-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  const r = await captureOutput(() => runCli(argv, { plugins: [visionPlugin], discover: false }));
  return { code: r.result, stdout: r.stdout, stderr: r.stderr };
}

describe('a truncated image found during training', () => {
  it('exits 2 naming the file, marks the run failed, and reruns in place after the fix', async () => {
    const data = path.join(dir, 'images');
    for (const cls of ['dark', 'light']) {
      await fs.mkdir(path.join(data, cls), { recursive: true });
      for (let i = 0; i < 4; i++)
        await fs.writeFile(path.join(data, cls, `${i}.png`), await png(cls === 'dark' ? 20 + i : 220 - i));
    }
    const broken = path.join(data, 'light', '2.png');
    const good = await fs.readFile(broken);
    await fs.writeFile(broken, good.subarray(0, 40));
    const config = path.join(dir, 'tiny.json');
    await fs.writeFile(
      config,
      JSON.stringify({
        preprocess: { options: { resize: { size: 16, fit: 'cover' }, crop: 16, augment: {} } },
        model: {
          config: {
            image_size: 16,
            patch_size: 8,
            hidden_size: 8,
            num_hidden_layers: 1,
            num_attention_heads: 2,
            intermediate_size: 16,
          },
        },
        training: { batchSize: 8, evalEvery: { steps: 100 } },
      }),
    );
    const out = path.join(dir, 'run');
    const args = [
      'train',
      '--preset',
      'vision/classification',
      '--data',
      data,
      '--eval-data',
      data,
      '--config',
      config,
      '--max-steps',
      '2',
      '--out',
      out,
    ];
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^peftkit: DataLoader\(train\): .*light\/2\.png/);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
    expect(manifest.status).toBe('failed');
    expect(manifest.failure.reason).toContain('2.png');
    expect(manifest.failure.step).toBeNull();

    await fs.writeFile(broken, good);
    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('before its first checkpoint; starting it again in place');
    expect(JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8')).status).toBe('complete');
  }, 30_000);
});
