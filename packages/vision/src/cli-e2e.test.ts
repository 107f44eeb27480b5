/**
 * Issue 7's acceptance, end to end through the real `peftkit` binary in a child process:
 * `train --preset vision/medical-imaging --data <npz>` reports AUROC and sensitivity/specificity
 * in `summary.json`, and `predict --adapter <dir> image.png` prints class probabilities.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Rng } from '@peftkit/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCAN_SIDE, syntheticScans, writeScanNpz } from './testing/synthetic-scans.js';

const run = promisify(execFile);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(packageDir, '../..');
const bin = path.join(repoRoot, 'packages/core/bin/peftkit.js');

/** Runs the CLI with only this plugin loaded; rejects with its stderr on a non-zero exit. */
async function peftkit(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, [bin, '--plugin', packageDir, '--no-discover', ...args], {
      cwd: repoRoot,
      env: { ...process.env, PEFTKIT_BACKEND: 'cpu' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`peftkit ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vision-cli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('peftkit CLI with the vision plugin', () => {
  it('trains vision/medical-imaging on a MedMNIST .npz and predicts a PNG', async () => {
    const rng = new Rng(5);
    // 20 scans: the preset's early stopping refuses a smaller validation split.
    const val = syntheticScans(20, rng);
    const data = path.join(dir, 'scans.npz');
    await writeScanNpz(data, { train: syntheticScans(48, rng), val });
    // A tiny ViT keeps the run to seconds; everything else is the preset's.
    const config = path.join(dir, 'tiny.json');
    await fs.writeFile(
      config,
      JSON.stringify({
        model: {
          config: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
        },
        training: { batchSize: 8 },
      }),
    );
    const out = path.join(dir, 'run');
    const train = await peftkit([
      'train',
      '--preset',
      'vision/medical-imaging',
      '--data',
      data,
      '--config',
      config,
      '--max-steps',
      '6',
      '--out',
      out,
      '--json',
    ]);
    const result = JSON.parse(train.stdout) as { outputDir: string; kind: string };
    expect(result).toMatchObject({ outputDir: out, kind: 'adapter' });
    // Without --eval-data the archive's own val split is the eval data.
    expect(train.stderr).toContain("split 'val'");

    // The preset's imbalance handling: class-balanced sampling of the training examples.
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints/last/trainer_state.json'), 'utf8'),
    ) as { config: { train: Record<string, unknown> } };
    expect(state.config.train['sampler']).toBe('class-balanced');
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as {
      finalMetrics: Record<string, number>;
    };
    for (const key of ['auroc', 'best_threshold.sensitivity', 'best_threshold.specificity', 'accuracy']) {
      expect(Number.isFinite(summary.finalMetrics[key]), key).toBe(true);
      expect(summary.finalMetrics[key]).toBeGreaterThanOrEqual(0);
      expect(summary.finalMetrics[key]).toBeLessThanOrEqual(1);
    }

    const png = path.join(dir, 'scan.png');
    await sharp(Uint8Array.from(val.images.slice(0, SCAN_SIDE * SCAN_SIDE)), {
      raw: { width: SCAN_SIDE, height: SCAN_SIDE, channels: 1 },
    })
      .toColourspace('b-w')
      .png()
      .toFile(png);

    // Text: "<input>\t<label>\t(<label> <p>, <label> <p>)", probabilities to 3 decimals.
    const text = await peftkit(['predict', '--adapter', out, png]);
    const line = text.stdout.trim();
    const [input, label, probs] = line.split('\t');
    expect(input).toBe(png);
    expect(['0', '1']).toContain(label);
    const pairs = [...(probs ?? '').matchAll(/([^\s(,]+) (\d\.\d{3})/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    expect(pairs.map(([l]) => l).sort()).toEqual(['0', '1']);
    expect(Math.abs(pairs.reduce((s, [, p]) => s + p, 0) - 1)).toBeLessThanOrEqual(0.002);

    const json = await peftkit(['predict', '--adapter', out, png, '--json']);
    const parsed = JSON.parse(json.stdout) as {
      adapter: string;
      predictions: { input: string; label: string; probabilities: Record<string, number> }[];
    };
    expect(parsed.adapter).toBe(out);
    expect(parsed.predictions).toHaveLength(1);
    const [p] = parsed.predictions;
    expect(p?.input).toBe(png);
    expect(Object.keys(p?.probabilities ?? {}).sort()).toEqual(['0', '1']);
    expect(Object.values(p?.probabilities ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p?.label).toBe(label);
  });
});
