import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { trainRun } from './train-run.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ckpt-run-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('training.gradientCheckpointing', () => {
  it('checkpoints the blocks and trains to the same loss as without it', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const run = async (gradientCheckpointing: boolean) => {
      const lines: string[] = [];
      const config = resolveRunConfig({
        preset: host.presets.get('toy/basic'),
        layers: [{ name: 'test', value: { training: { gradientCheckpointing } } }],
      }).config;
      const out = path.join(tmp, `run-${gradientCheckpointing}`);
      const r = await trainRun(host, { config, outDir: out, progress: 'none', log: (l) => lines.push(l) });
      return { lines, loss: r.summary.finalTrainLoss };
    };
    const plain = await run(false);
    const ckpt = await run(true);
    expect(plain.lines.some((l) => l.includes('gradient checkpointing'))).toBe(false);
    expect(ckpt.lines).toContain(
      'gradient checkpointing: 2 blocks recompute their activations in the backward pass',
    );
    expect(plain.loss).not.toBeNull();
    expect(ckpt.loss).toBeCloseTo(plain.loss as number, 6);
  });

  it('must be a boolean', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    expect(() =>
      resolveRunConfig({
        preset: host.presets.get('toy/basic'),
        layers: [{ name: 'test', value: { training: { gradientCheckpointing: 'yes' } } }],
      }),
    ).toThrow(/training\.gradientCheckpointing/);
  });
});
