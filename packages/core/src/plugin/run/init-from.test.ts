import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../io/safetensors.js';
import { disposeAll } from '../../io/torch-state-dict.js';
import { createPeftkit, type PeftkitHost } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import type { RunConfigLayer } from '../run-config/schema.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { readPreprocessorFile } from './preprocessor-file.js';
import { trainRun } from './train-run.js';

let tmp: string;
let host: PeftkitHost;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-init-from-'));
  host = await createPeftkit({ plugins: [toyPlugin] });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const config = (value: RunConfigLayer) =>
  resolveRunConfig({ preset: host.presets.get('toy/basic'), layers: [{ name: 'test', value }] }).config;

const train = (value: RunConfigLayer, outDir: string, initFrom?: string) =>
  trainRun(host, {
    config: config(value),
    outDir,
    progress: 'none',
    log: () => {},
    ...(initFrom ? { initFrom } : {}),
  });

async function tensors(file: string): Promise<Map<string, number[]>> {
  const { tensors: all } = await loadSafetensors(file);
  const out = new Map<string, number[]>();
  for (const [k, t] of all) out.set(k, [...(await t.dataSync())]);
  disposeAll(all);
  return out;
}

describe('trainRun initFrom', () => {
  it('continues the same adapter on other data: starts from its weights, not fresh ones', async () => {
    const base = path.join(tmp, 'base');
    await train({ peft: 'full' }, base);
    const first = path.join(tmp, 'first');
    await train({ model: { base } }, first);
    // Zero steps of training would be the loaded adapter itself; one step with lr 0 keeps it.
    const same = path.join(tmp, 'same');
    const r = await trainRun(host, {
      config: config({ model: { base }, data: { train: 'toy:32?7' }, training: { maxSteps: 1, lr: 1e-12 } }),
      outDir: same,
      initFrom: first,
      progress: 'none',
      log: () => {},
    });
    expect(r.summary.resumedFromStep).toBeNull();
    const a = await tensors(path.join(first, 'adapter_model.safetensors'));
    const b = await tensors(path.join(same, 'adapter_model.safetensors'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) {
      const w = b.get(k) ?? [];
      for (let i = 0; i < v.length; i++) expect(w[i]).toBeCloseTo(v[i] as number, 5);
    }
    // A fresh adapter on the same base differs (LoRA B starts at zero, the first run trained it).
    const fresh = path.join(tmp, 'fresh');
    await train(
      { model: { base }, data: { train: 'toy:32?7' }, training: { maxSteps: 1, lr: 1e-12 } },
      fresh,
    );
    const c = await tensors(path.join(fresh, 'adapter_model.safetensors'));
    const bKey = [...c.keys()].find((k) => k.includes('lora_B')) as string;
    expect(c.get(bKey)?.every((x) => Math.abs(x) < 1e-6)).toBe(true);
    expect(a.get(bKey)?.some((x) => Math.abs(x) > 1e-6)).toBe(true);
    // The preprocessor state is the source's, not fitted on the new data (toy/identity counts rows).
    expect((await readPreprocessorFile(same))?.state).toEqual((await readPreprocessorFile(first))?.state);
    expect((await readPreprocessorFile(fresh))?.state).not.toEqual(
      (await readPreprocessorFile(first))?.state,
    );
  });

  it('refuses a source of another kind or method, and resume together with initFrom', async () => {
    const base = path.join(tmp, 'base');
    const first = path.join(tmp, 'first');
    await expect(train({ peft: 'full' }, path.join(tmp, 'x1'), first)).rejects.toThrow(
      /initFrom .*first: it is a 'adapter' run; this run trains 'full'/,
    );
    await expect(
      train({ model: { base }, peft: { peftType: 'IA3' } }, path.join(tmp, 'x2'), first),
    ).rejects.toThrow(/its adapter is LORA, the run config's peft.peftType is IA3/);
    await expect(
      trainRun(host, {
        config: config({ model: { base } }),
        outDir: path.join(tmp, 'x3'),
        initFrom: first,
        resumeFrom: first,
        log: () => {},
      }),
    ).rejects.toThrow(/cannot be combined/);
  });
});
