/**
 * Issue 7's acceptance, end to end through the real `peftkit` binary in a child process:
 * `train --preset vision/medical-imaging --data <npz>` reports AUROC and sensitivity/specificity
 * in `summary.json`, and `predict --adapter <dir> image.png` prints class probabilities.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visionCli, writeTinyScanRun } from './testing/tiny-scan-run.js';

/** The CLI with only this plugin loaded; rejects with its stderr on a non-zero exit. */
const cli = visionCli({ PEFTKIT_BACKEND: 'cpu' });

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vision-cli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('peftkit CLI with the vision plugin', () => {
  it('trains vision/medical-imaging on a MedMNIST .npz and predicts a PNG', async () => {
    // 48 training scans; a tiny ViT keeps the run to seconds, everything else is the preset's.
    const run = await writeTinyScanRun(dir, 5, 48);
    const out = path.join(dir, 'run');
    const train = await cli.ok(run.trainArgs(6, out));
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

    const png = await run.writeImage(0, path.join(dir, 'scan.png'));

    // The text and --json predictions start together: most of each is process start-up.
    const [text, json] = await Promise.all([
      cli.ok(['predict', '--adapter', out, png]),
      cli.ok(['predict', '--adapter', out, png, '--json']),
    ]);
    // Text: "<input>\t<label>\t(<label> <p>, <label> <p>)", probabilities to 3 decimals.
    const line = text.stdout.trim();
    const [input, label, probs] = line.split('\t');
    expect(input).toBe(png);
    expect(['0', '1']).toContain(label);
    const pairs = [...(probs ?? '').matchAll(/([^\s(,]+) (\d\.\d{3})/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    expect(pairs.map(([l]) => l).sort()).toEqual(['0', '1']);
    expect(Math.abs(pairs.reduce((s, [, p]) => s + p, 0) - 1)).toBeLessThanOrEqual(0.002);

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
