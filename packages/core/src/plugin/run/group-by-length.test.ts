import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exists } from '../../io/read-json.js';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { UserError } from '../user-error.js';
import { trainRun } from './train-run.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-group-by-length-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("data.sampling 'group-by-length'", () => {
  it('is refused, naming the preprocessor, when the preprocessor has no lengthOf, before anything is written', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const { config } = resolveRunConfig({
      preset: host.presets.get('toy/basic'),
      layers: [{ name: 'test', value: { data: { sampling: 'group-by-length' }, training: { maxSteps: 2 } } }],
    });
    const out = path.join(dir, 'run');
    const run = trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(
      "data.sampling 'group-by-length' needs the length of every training example, but preprocessor 'toy/identity' has no lengthOf",
    );
    expect(await exists(out)).toBe(false);
  });

  it('is a valid run config value; unknown ones are rejected', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const preset = host.presets.get('toy/basic');
    const sampling = (value: string) =>
      resolveRunConfig({ preset, layers: [{ name: 'test', value: { data: { sampling: value } } }] }).config
        .data.sampling;
    expect(sampling('group-by-length')).toBe('group-by-length');
    expect(() => sampling('by-length')).toThrow('data.sampling');
  });
});
