import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToyCli } from './testing/toy-cli.js';

/**
 * CLI behaviour of issue 16 item 6 on the toy plugin: extending a finished run re-derives its
 * schedule, a failed extension leaves it usable, early stopping can be switched off, a random
 * base is announced once, and `config` shows and validates the model fields.
 */
const cli = (argv: string[]) => runToyCli(argv);

async function ok(argv: string[]): Promise<{ json: Record<string, unknown>; stderr: string }> {
  const r = await cli([argv[0] as string, '--json', ...argv.slice(1)]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return { json: JSON.parse(r.stdout), stderr: r.stderr };
}

const statusOf = async (dir: string) =>
  (JSON.parse(await fs.readFile(path.join(dir, 'peftkit-run.json'), 'utf8')) as { status: string }).status;

interface Summary {
  steps: number;
  resumedFromStep: number | null;
  schedule: {
    kind: string;
    warmupSteps: number;
    warmupRatio: number | null;
    totalSteps: number | null;
    rederivedFrom: { warmupSteps: number; totalSteps: number | null } | null;
  };
}

let tmp: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-cli-behaviour-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const WARMUP = ['--set', 'training.schedule=linear', '--set', 'training.warmupRatio=0.25'];

describe('train --resume with a larger --max-steps', () => {
  it('extends a finished warmup-ratio run, re-deriving and reporting the schedule', async () => {
    const run = path.join(tmp, 'extend');
    const first = await ok(['train', '--preset', 'toy/basic', '--out', run, '--max-steps', '4', ...WARMUP]);
    expect((first.json['summary'] as Summary).schedule).toEqual({
      kind: 'linear',
      warmupSteps: 1,
      warmupRatio: 0.25,
      totalSteps: 4,
      rederivedFrom: null,
    });
    const text = await cli(['train', '--resume', run, '--max-steps', '8']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toContain(
      'note: lr schedule re-derived for 8 total steps: warmup 2 steps (warmupRatio 0.25; was 1 of 4)',
    );
    expect(text.stdout).toMatch(
      /schedule\s+linear, warmup 2 \(warmupRatio 0\.25\) of 8 steps; re-derived on resume, was warmup 1 of 4/,
    );
    const summary = JSON.parse(await fs.readFile(path.join(run, 'summary.json'), 'utf8')) as Summary;
    expect(summary.steps).toBe(8);
    expect(summary.resumedFromStep).toBe(4);
    expect(summary.schedule).toEqual({
      kind: 'linear',
      warmupSteps: 2,
      warmupRatio: 0.25,
      totalSteps: 8,
      rederivedFrom: { warmupSteps: 1, totalSteps: 4 },
    });
    // The extended run is a finished run like any other.
    expect(await statusOf(run)).toBe('complete');
    const evaluated = await ok(['eval', '--adapter', run, '--data', 'toy:32?3']);
    expect(evaluated.json['examples']).toBe(32);
  });

  it('a changed trajectory is still refused, and the finished run stays complete and usable', async () => {
    const run = path.join(tmp, 'refused');
    await ok(['train', '--preset', 'toy/basic', '--out', run, '--max-steps', '4', ...WARMUP]);
    const before = await fs.readFile(path.join(run, 'adapter_model.safetensors'));
    const r = await cli(['train', '--resume', run, '--max-steps', '8', '--set', 'training.optimizer=sgd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/peftkit: resume: .* different settings \(optimizer, schedule\)/);
    expect(await statusOf(run)).toBe('complete');
    expect(await fs.readFile(path.join(run, 'adapter_model.safetensors'))).toEqual(before);
    for (const argv of [
      ['eval', '--adapter', run, '--data', 'toy:16?4'],
      ['predict', '--adapter', run, '0.5,0.5'],
    ]) {
      const used = await cli(argv);
      expect(used.code, `${argv[0]}: ${used.stderr}`).toBe(0);
    }
  });
});

describe('early stopping', () => {
  const withEs = ['--set', 'training.earlyStopping={metric: accuracy, mode: max, patience: 1}'];

  it('null or false turns off early stopping set earlier (its tiny-eval refusal goes with it)', async () => {
    // toy:64 holds out 6 examples: too few for early stopping, so the layer with it is refused.
    const refused = await cli(['train', '--preset', 'toy/basic', '--out', path.join(tmp, 'es'), ...withEs]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('training.earlyStopping: the eval split has 6 examples');
    for (const off of ['null', 'false']) {
      const out = path.join(tmp, `es-${off}`);
      const r = await ok([
        'train',
        '--preset',
        'toy/basic',
        '--out',
        out,
        '--max-steps',
        '6',
        ...withEs,
        '--set',
        `training.earlyStopping=${off}`,
      ]);
      expect((r.json['summary'] as { steps: number; reason: string }).reason).toBe('max_steps');
    }
  });

  it('a value that is neither an early-stopping block, null nor false is one line naming the field', async () => {
    const r = await cli(['config', '--preset', 'toy/basic', '--set', 'training.earlyStopping=true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'peftkit: invalid run config: training.earlyStopping must be an object or false, got boolean true (from --set training.earlyStopping=true)\n',
    );
    // Inside the block, the block's own fields are checked as before.
    const typo = await cli([
      'config',
      '--preset',
      'toy/basic',
      '--set',
      'training.earlyStopping={metric: loss, mod: min}',
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("training.earlyStopping.mod is not a known field (did you mean 'mode'?)");
  });
});

describe('a run without --base', () => {
  it('prints one loud line that the base is random, and none when resumed on its saved base', async () => {
    const run = path.join(tmp, 'random-base');
    const first = await ok(['train', '--preset', 'toy/basic', '--out', run, '--max-steps', '2']);
    const loud = first.stderr.split('\n').filter((l) => l.includes('RANDOMLY'));
    expect(loud).toEqual([
      'WARNING: no --base: the adapter trains on a RANDOMLY initialised toy/mlp base (sized by model.config), which makes an adapter pointless; pass --base <pretrained dir or org/name>, or set peft: full to train the model from scratch',
    ]);
    const resumed = await ok(['train', '--resume', run, '--max-steps', '4']);
    expect(resumed.stderr).not.toContain('RANDOMLY');
    const full = await ok([
      'train',
      '--preset',
      'toy/basic',
      '--out',
      path.join(tmp, 'full'),
      '--max-steps',
      '2',
      '--set',
      'peft=full',
    ]);
    expect(full.stderr).not.toContain('RANDOMLY');
  });
});

describe('peftkit config', () => {
  it("shows the architecture's resolved model config, defaults and data hints included", async () => {
    const r = await ok(['config', '--preset', 'toy/basic', '--set', 'model.config.hidden=16']);
    expect((r.json['model'] as { config: unknown }).config).toEqual({ inFeatures: 2, hidden: 16, layers: 2 });
  });

  it('refuses an unknown model field or a wrong type with one line naming it', async () => {
    const unknown = await cli(['config', '--preset', 'toy/basic', '--set', 'model.config.hiden=3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "peftkit: invalid run config: model.config.hiden is not a known field (did you mean 'hidden'?) (from --set model.config.hiden=3)\n",
    );
    const wrong = await cli(['config', '--preset', 'toy/basic', '--set', 'model.config.layers=2.5']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      'peftkit: invalid run config: model.config.layers must be an integer, got number 2.5 (from --set model.config.layers=2.5)\n',
    );
  });
});
