import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Linear } from '../nn/linear.js';
import { createPeftkit } from '../plugin/peftkit-host.js';
import type { SuggestRow } from '../plugin/run/suggest-run.js';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { initBackend } from '../runtime/index.js';
import { runToyCli } from './testing/toy-cli.js';

const cli = (argv: string[]) => runToyCli(argv);

let tmp: string;
let base: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  await initBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-suggest-'));
  // A base whose second block is zeroed: it adds nothing to the residual stream, so adapting its
  // weights is worth less than adapting the first block's.
  const host = await createPeftkit({ plugins: [toyPlugin], discover: false });
  const arch = host.architectures.get('toy/mlp');
  const config = { inFeatures: 2, hidden: 8, layers: 2 };
  const model = arch.build(config);
  const dead = model.getSubmodule('layers.1.up') as Linear;
  dead.weight.assign(tf.zeros(dead.weight.shape));
  dead.bias!.assign(tf.zeros(dead.bias!.shape));
  base = path.join(tmp, 'base');
  await arch.saveCheckpoint(base, model, config);
  model.dispose();
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface SuggestJson {
  baseParameters: number;
  budgetParameters: number;
  usedParameters: number;
  modules: SuggestRow[];
  roles: { role: string; share: number }[];
  peft: { r: number; loraAlpha: number; targetModules: string[]; rankPattern: Record<string, number> };
  file: string | null;
  probeSteps: number;
}

/** `suggest --json` that must succeed and release every tensor it made (adapters, model, optimizer). */
async function suggestReleasing(args: string[]): Promise<SuggestJson> {
  const tensors = tf.memory().numTensors;
  const r = await cli(['suggest', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(tf.memory().numTensors).toBe(tensors);
  return JSON.parse(r.stdout) as SuggestJson;
}

describe('peftkit suggest', () => {
  it('ranks a block that matters above a zeroed one, keeps to the budget, and its config trains', async () => {
    const out = path.join(tmp, 'suggested.yaml');
    // Base: input 2->8 (24) + two 8x8 blocks (72 each) = 168 parameters; 40% = 67 fits rank 2 on
    // the input (20) and one block (32), not both blocks.
    const common = ['--preset', 'toy/basic', '--base', base, '--data', 'toy:256?5', '--batches', '4'];
    const r = await cli(['suggest', '--json', ...common, '--budget', '40%', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SuggestJson;
    expect(s.baseParameters).toBe(168);
    expect(s.budgetParameters).toBe(67);
    expect(s.usedParameters).toBeLessThanOrEqual(s.budgetParameters);
    expect(s.usedParameters).toBe(s.modules.reduce((n, m) => n + m.params, 0));
    const row = (p: string) => s.modules.find((m) => m.module === p)!;
    expect(s.modules.map((m) => m.module).sort()).toEqual([
      'body.input',
      'body.layers.0.up',
      'body.layers.1.up',
    ]);
    expect(row('body.layers.1.up').score).toBe(0);
    expect(row('body.layers.0.up').score).toBeGreaterThan(0);
    expect(row('body.layers.1.up').rank).toBe(0);
    expect(row('body.layers.0.up')).toMatchObject({ role: 'ffn.up', layer: 0, rank: 2, params: 32 });
    expect(row('body.input')).toMatchObject({ role: 'embed', layer: null });
    expect(s.peft.targetModules).not.toContain('body.layers.1.up');
    expect(s.peft.targetModules).toContain('body.layers.0.up');

    // The written config trains as it is, and the adapter file carries the HF fields.
    const yaml = parseYaml(await fs.readFile(out, 'utf8')) as {
      peft: Record<string, unknown>;
      preset?: string;
    };
    expect(yaml.preset).toBeUndefined();
    expect(yaml.peft['targetModules']).toEqual(s.peft.targetModules);
    const runDir = path.join(tmp, 'run');
    const t = await cli(['train', '--config', out, '--max-steps', '2', '--out', runDir]);
    expect(t.code, t.stderr).toBe(0);
    const adapter = JSON.parse(await fs.readFile(path.join(runDir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(adapter['peft_type']).toBe('LORA');
    expect(adapter['r']).toBe(s.peft.r);
    expect(adapter['rank_pattern']).toEqual(s.peft.rankPattern);
    expect([...(adapter['target_modules'] as string[])].sort()).toEqual([...s.peft.targetModules].sort());
  });

  it('a larger budget adapts more; ranks differ where the sensitivity does (rank_pattern); a table for people', async () => {
    const common = ['--preset', 'toy/basic', '--data', 'toy:256?5', '--batches', '2'];
    const big = await cli(['suggest', '--json', ...common, '--budget', '400']);
    expect(big.code, big.stderr).toBe(0);
    const s = JSON.parse(big.stdout) as SuggestJson;
    expect(s.budgetParameters).toBe(400);
    expect(s.usedParameters).toBeLessThanOrEqual(400);
    expect(s.modules.every((m) => m.rank > 0)).toBe(true);
    for (const m of s.modules) {
      expect(m.rank === s.peft.r || s.peft.rankPattern[m.module] === m.rank).toBe(true);
    }
    const text = await cli(['suggest', ...common, '--budget', '20%']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/module\s+kind\s+role\s+layer\s+score\s+share\s+rank\s+params/);
    expect(text.stdout).toMatch(/budget\s+\d+ of 33 adapter parameters/);
    expect(text.stdout).toContain('not written');
  });

  it("--budget run spends what the run's own adapter trains; --probe-steps scores by a short probe", async () => {
    const common = ['--preset', 'toy/basic', '--base', base, '--data', 'toy:256?5', '--batches', '2'];
    // The run's adapter, applied to count it, is unloaded and released with the model.
    const s = await suggestReleasing([...common, '--budget', 'run', '--probe-steps', '0']);
    // toy/basic: LoRA r=2 on the MLP's default targets (both blocks' 8x8 `up`), 2 x 2 x (8 + 8).
    expect(s.budgetParameters).toBe(64);
    expect(s.probeSteps).toBe(0);
    const full = await cli(['suggest', ...common, '--budget', 'run', '--set', 'peft=full']);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/--budget run needs a PEFT config to match/);

    // The probe's adapter and optimizer state are released with the model.
    const p = await suggestReleasing([...common, '--budget', '40%', '--probe-steps', '6']);
    expect(p.probeSteps).toBe(6);
    const row = (q: string) => p.modules.find((m) => m.module === q)!;
    // The zeroed block's probe adapter cannot move the loss (its ReLU input stays at 0).
    expect(row('body.layers.1.up').score).toBe(0);
    expect(row('body.layers.0.up').score).toBeGreaterThan(0);
    expect(row('body.layers.1.up').rank).toBe(0);
    expect(p.usedParameters).toBeLessThanOrEqual(p.budgetParameters);
    const text = await cli(['suggest', ...common, '--budget', '40%', '--probe-steps', '3']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/scored by\s+a rank-4 LoRA probe on every module, 3 training steps/);
  });

  it('a budget too small for any adapter, or malformed, is a one-line error', async () => {
    const tiny = await cli(['suggest', '--preset', 'toy/basic', '--budget', '5']);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toMatch(/budget of 5 adapter parameters cannot fit rank 2.*raise --budget/);
    const bad = await cli(['suggest', '--preset', 'toy/basic', '--budget', 'lots']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--budget: expected a percentage/);
  });
});
