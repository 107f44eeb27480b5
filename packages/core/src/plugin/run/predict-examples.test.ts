import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction } from '../head.js';
import { createPeftkit } from '../peftkit-host.js';
import type { PreprocessorInstance } from '../preprocessor.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { UserError } from '../user-error.js';
import { loadRun } from './load-run.js';
import { predictExamples, predictRun } from './predict-run.js';
import { trainRun } from './train-run.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-predict-examples-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('predictExamples', () => {
  it('predicts raw examples like predictRun, and maps each through decodePrediction with its example', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const { config } = resolveRunConfig({
      preset: host.presets.get('toy/basic'),
      layers: [{ name: 'test', value: { training: { maxSteps: 3 } } }],
    });
    const out = path.join(dir, 'run');
    await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    const run = await loadRun(host, out);
    const inputs = ['0.5,-1', '2,2', '-3,0.25'];
    const viaStrings = await predictRun(run, inputs, { batchSize: 2 });
    const examples = await Promise.all(inputs.map((s) => run.instance.parseInput?.(s)));
    const raw = await predictExamples(run, examples, { batchSize: 2 });
    expect(raw).toEqual(viaStrings.map(({ input: _input, ...p }) => p));

    const decoded: unknown[] = [];
    const instance: PreprocessorInstance = Object.assign(Object.create(run.instance), {
      decodePrediction(p: Prediction, example: unknown): Prediction {
        decoded.push(example);
        return { ...p, value: `decoded ${p.label}` };
      },
    });
    const withDecode = await predictExamples({ ...run, instance }, examples, { batchSize: 2 });
    expect(decoded).toEqual(examples);
    expect(withDecode.map((p) => p.value)).toEqual(raw.map((p) => `decoded ${p.label}`));

    const strict: PreprocessorInstance = Object.assign(Object.create(run.instance), {
      encode(example: unknown, context: never) {
        if (typeof example === 'string') throw new Error('expected a point, got a string');
        return run.instance.encode(example, context);
      },
    });
    const bad = predictExamples({ ...run, instance: strict }, [examples[0], 'not an example'], {
      describe: (i) => `observation ${i}`,
    });
    await expect(bad).rejects.toThrow(UserError);
    await expect(bad).rejects.toThrow('observation 1: expected a point, got a string');
    run.model.dispose();
  });
});
