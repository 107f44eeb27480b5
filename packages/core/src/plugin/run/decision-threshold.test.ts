import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { evaluateRun } from './evaluate-run.js';
import { loadRun } from './load-run.js';
import { predictRun } from './predict-run.js';
import { readRunManifest } from './run-manifest.js';
import { trainRun } from './train-run.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-threshold-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// ~10% positives (x0 + x1 > 1.8); the eval split is its own location so eval can re-read it.
const EVAL = 'toy:300?9?1.8';

async function train(name: string, training: Record<string, unknown>) {
  const host = await createPeftkit({ plugins: [toyPlugin] });
  const config = resolveRunConfig({
    preset: host.presets.get('toy/basic'),
    layers: [{ name: 'test', value: { data: { train: 'toy:400?3?1.8', eval: EVAL }, training } }],
  }).config;
  const out = path.join(tmp, name);
  const lines: string[] = [];
  await trainRun(host, { config, outDir: out, progress: 'none', log: (l) => lines.push(l) });
  return { host, out, lines };
}

describe('binary decision threshold', () => {
  it('is tuned on the eval split, saved with the run, and used by eval and predict', async () => {
    const { host, out, lines } = await train('tuned', {
      maxSteps: 30,
      lr: 3e-2,
      metrics: ['macro_f1', 'auroc'],
    });
    expect(lines.some((l) => /^note: data.sampling auto: class-balanced sampling/.test(l))).toBe(true);
    const d = (await readRunManifest(out)).decisionThreshold!;
    expect(d).toMatchObject({ positiveLabel: 'pos', metric: 'macro_f1', examples: 300 });
    // Class-balanced training over-predicts the minority class at argmax: the tuned rule differs.
    expect(d.threshold).not.toBe(0.5);
    expect(d.macroF1).toBeGreaterThan(d.defaultMacroF1);
    expect(d.macroF1).toBeGreaterThanOrEqual(d.defaultMacroF1);
    expect(lines.some((l) => l.startsWith('decision threshold: '))).toBe(true);
    const run = await loadRun(host, out);
    try {
      const tuned = await evaluateRun(host, run, { data: EVAL, metrics: ['macro_f1', 'auroc'] });
      const plain = await evaluateRun(
        host,
        { ...run, manifest: { ...run.manifest, decisionThreshold: undefined } },
        { data: EVAL, metrics: ['macro_f1', 'auroc'] },
      );
      // Eval reproduces the numbers the threshold was chosen with; ranking is unchanged.
      expect(tuned.metrics['macro_f1']).toBeCloseTo(d.macroF1, 5);
      expect(plain.metrics['macro_f1']).toBeCloseTo(d.defaultMacroF1, 5);
      expect(tuned.metrics['auroc']).toBeCloseTo(plain.metrics['auroc']!, 5);
      const tensors = tf.memory().numTensors;
      const preds = await predictRun(run, ['0.9,0.85', '1.0,1.0', '-1,-1', '2,2']);
      expect(tf.memory().numTensors).toBe(tensors);
      for (const p of preds) {
        expect(p.label).toBe(p.probabilities!['pos']! > d.threshold ? 'pos' : 'neg');
      }
    } finally {
      run.model.dispose();
    }
  });

  it('training.tuneThreshold: false keeps argmax (no threshold in the run)', async () => {
    const { out, lines } = await train('off', { maxSteps: 4, lr: 3e-2, tuneThreshold: false });
    expect((await readRunManifest(out)).decisionThreshold).toBeUndefined();
    expect(lines.some((l) => l.startsWith('decision threshold'))).toBe(false);
  });
});
