import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainSummary } from '../../train/report/summary.js';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { UserError } from '../user-error.js';
import { evaluateRun } from './evaluate-run.js';
import { loadRun } from './load-run.js';
import { trainRun } from './train-run.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-warn-run-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function run(name: string, training: Record<string, unknown>, data: string) {
  const host = await createPeftkit({ plugins: [toyPlugin] });
  const config = resolveRunConfig({
    preset: host.presets.get('toy/basic'),
    layers: [{ name: 'test', value: { data: { train: data, evalFraction: 0.25 }, training } }],
  }).config;
  const out = path.join(tmp, name);
  const lines: string[] = [];
  const r = await trainRun(host, { config, outDir: out, progress: 'none', log: (l) => lines.push(l) });
  const onDisk = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as TrainSummary;
  const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  return { summary: r.summary, onDisk, html };
}

describe('quality warnings of a classification run', () => {
  it('an imbalanced run that collapses to the majority class says so in summary.json and report.html', async () => {
    // ~10% positives; a learning rate far too low leaves the biased head predicting 'neg' only.
    const r = await run(
      'collapsed',
      { maxSteps: 10, lr: 1e-7, metrics: ['accuracy', 'macro_f1'] },
      'toy:400?3?1.8',
    );
    const dist = r.onDisk.evalClassDistribution!;
    expect(Object.keys(dist.targets)).toEqual(['0', '1']);
    expect(dist.targets['1']).toBeLessThan(dist.targets['0']! / 3);
    expect(r.onDisk.warnings.length).toBe(1);
    const w = r.onDisk.warnings[0]!;
    expect(['single_class_predictions', 'majority_baseline']).toContain(w.code);
    expect(w.message).toMatch(/learning rate/);
    expect(w.message).toMatch(/imbalance/);
    expect(w.message).toMatch(/eval classes: neg \(0\): \d+/);
    expect(r.html).toContain('class="warning"');

    // `peftkit eval --data` on the same kind of data says the same.
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const loaded = await loadRun(host, path.join(tmp, 'collapsed'));
    try {
      const e = await evaluateRun(host, loaded, { data: 'toy:300?9?1.8' });
      expect(e.classDistribution?.targets['1']).toBeGreaterThan(0);
      expect(e.qualityWarnings.map((q) => q.code)).toEqual([w.code]);
    } finally {
      loaded.model.dispose();
    }
  });

  it('a balanced run that learns has no warning', async () => {
    const r = await run('good', { maxSteps: 60, lr: 3e-2 }, 'toy:400?4');
    expect(r.summary.finalMetrics?.['accuracy']).toBeGreaterThan(0.8);
    expect(r.onDisk.evalClassDistribution).not.toBeNull();
    expect(r.onDisk.warnings).toEqual([]);
    expect(r.html).not.toContain('class="warning"');
  });
});

describe('early stopping on a small validation split', () => {
  const es = { metric: 'accuracy', mode: 'max', patience: 2 };

  it('refuses fewer than 20 eval examples, naming training.earlyStopping and the minimum', async () => {
    const err = await run('tiny-eval', { maxSteps: 2, earlyStopping: es }, 'toy:40').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^training\.earlyStopping: the eval split has 10 examples; .*at least 20/,
    );
  });

  it('refuses a class with fewer than 2 eval examples', async () => {
    // 200 rows, cut 3: about 3% positives, so 50 held-out rows hold at most one positive.
    const err = await run('thin-class', { maxSteps: 2, earlyStopping: es }, 'toy:200?5?3').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /fewer than 2 examples of class 'pos' [01]; .*at least 2 per class/,
    );
  });

  it('accepts a split large enough to judge', async () => {
    const r = await run('ok-eval', { maxSteps: 2, earlyStopping: es }, 'toy:200?6');
    expect(r.summary.steps).toBe(2);
  });
});
