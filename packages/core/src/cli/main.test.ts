import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToyCli } from './testing/toy-cli.js';

/** Runs the CLI in-process with the toy plugin only, capturing both streams. */
const cli = (argv: string[]) => runToyCli(argv);

async function json(argv: string[]): Promise<Record<string, unknown> & unknown[]> {
  // Right after the command name, so inputs after `--` stay inputs.
  const r = await cli([argv[0] as string, '--json', ...argv.slice(1)]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

let tmp: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('peftkit CLI --json', () => {
  it('doctor prints exactly one JSON object with the backend facts and plugins', async () => {
    const report = await json(['doctor']);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(report['backend']);
    expect(typeof report['simd']).toBe('boolean');
    expect(report['tfjsVersion']).toBe('4.22.0');
    expect(report['plugins']).toEqual([{ id: 'toy', version: '0.0.1', domain: 'toy', source: null }]);
    expect(report['presets']).toBe(1);
    expect(report['pluginFailures']).toEqual([]);
    expect(report['declaredRoles']).toEqual([]); // the toy plugin uses core's roles only
    expect(Array.isArray(report['skipped'])).toBe(true);
    expect(report['workers']).toEqual({ cores: os.availableParallelism(), sharedMemory: true });
  });

  it('presets, presets show, plugins and config parse as JSON', async () => {
    expect(await json(['presets'])).toEqual([
      {
        id: 'toy/basic',
        domain: 'toy',
        task: 'classification',
        description: 'LoRA r=2 on a tiny MLP',
        plugin: 'toy',
        pretrain: false,
      },
    ]);
    expect(await json(['presets', '--domain', 'nlp'])).toEqual([]);
    const shown = await json(['presets', 'show', 'toy/basic']);
    expect(shown['plugin']).toBe('toy');
    expect((shown['config'] as { training: { maxSteps: number } }).training.maxSteps).toBe(4);
    const plugins = await json(['plugins']);
    expect(
      (plugins['plugins'] as { contributes: Record<string, string[]> }[])[0]?.contributes['architectures'],
    ).toEqual(['toy/mlp']);
    const config = await json(['config', '--preset', 'toy/basic', '--set', 'training.lr=0.5', '--seed', '3']);
    const training = config['training'] as { lr: number; seed: number; batchSize: number };
    expect([training.lr, training.seed, training.batchSize]).toEqual([0.5, 3, 16]);
    // The PEFT method's own defaults are shown.
    expect(config['peft']).toMatchObject({ peftType: 'LORA', r: 2, loraAlpha: 8 });
  });

  it('inspect reports targets per role and the trainable fraction', async () => {
    const report = await json(['inspect', '--preset', 'toy/basic']);
    expect(report['method']).toBe('LORA');
    const roles = report['roles'] as {
      role: string;
      declaredBy: string;
      description: string;
      targeted: string[];
    }[];
    expect(roles.map((r) => [r.role, r.declaredBy, r.description])).toEqual([
      ['ffn.up', 'core', 'first feed-forward projection (d -> ffn)'],
      ['embed', 'core', 'the input token/patch embedding'],
      ['head', 'core', 'the task head / classifier'],
    ]);
    expect(roles.find((r) => r.role === 'ffn.up')?.targeted).toEqual([
      'body.layers.0.up',
      'body.layers.1.up',
    ]);
    expect(roles.find((r) => r.role === 'head')?.targeted).toEqual([]);
    expect(report['modulesToSave']).toEqual(['score']);
    const p = report['parameters'] as { trainable: number; total: number; fraction: number };
    expect(p.trainable).toBeGreaterThan(0);
    expect(p.fraction).toBeCloseTo(p.trainable / p.total, 12);
  });

  it('train, resume, eval, predict and merge', async () => {
    const out = path.join(tmp, 'run');
    const first = await json(['train', '--preset', 'toy/basic', '--out', out, '--max-steps', '2']);
    expect(first['kind']).toBe('adapter');
    expect(first['files']).toEqual(
      expect.arrayContaining([
        'adapter_config.json',
        'adapter_model.safetensors',
        'preprocessor.json',
        'peftkit-run.json',
        'base',
        'summary.json',
        'metrics.jsonl',
        'report.html',
      ]),
    );
    // A second train into the same directory must be an explicit resume.
    const again = await cli(['train', '--preset', 'toy/basic', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a run; pass --resume');
    const resumed = await json(['train', '--resume', out, '--max-steps', '4']);
    expect((resumed['summary'] as { resumedFromStep: number; steps: number }).resumedFromStep).toBe(2);
    expect((resumed['summary'] as { steps: number }).steps).toBe(4);

    const evaluated = await json(['eval', '--adapter', out, '--data', 'toy:32?9']);
    expect(Object.keys(evaluated['metrics'] as object).sort()).toEqual(['accuracy', 'loss']);
    const predicted = await json(['predict', '--adapter', out, '--', '1,2', '-3,-1']);
    const preds = predicted['predictions'] as {
      input: string;
      label: string;
      probabilities: Record<string, number>;
    }[];
    expect(preds.map((p) => p.input)).toEqual(['1,2', '-3,-1']);
    for (const p of preds)
      expect((p.probabilities['neg'] ?? 0) + (p.probabilities['pos'] ?? 0)).toBeCloseTo(1, 5);

    const merged = path.join(tmp, 'merged');
    const m = await json(['merge', '--adapter', out, '--out', merged]);
    expect(m['files']).toEqual([
      'config.json',
      'head.safetensors',
      'model.safetensors',
      'peftkit-run.json',
      'preprocessor.json',
    ]);
    const after = await json(['eval', '--adapter', merged, '--data', 'toy:32?9']);
    expect((after['metrics'] as { loss: number }).loss).toBeCloseTo(
      (evaluated['metrics'] as { loss: number }).loss,
      5,
    );
  });
});

describe('peftkit CLI errors', () => {
  it('an unknown preset exits 2 with one line naming close matches', async () => {
    const r = await cli(['train', '--preset', 'toy/basik', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "peftkit: unknown preset 'toy/basik' (did you mean 'toy/basic'?); known presets: toy/basic\n",
    );
  });

  it('an invalid config names the path; --verbose adds the stack', async () => {
    const r = await cli(['config', '--preset', 'toy/basic', '--set', 'training.lr=-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'peftkit: invalid run config: training.lr must be > 0 (from --set training.lr=-1)\n',
    );
    const v = await cli(['config', '--preset', 'toy/basic', '--set', 'training.lr=-1', '--verbose']);
    expect(v.stderr).toMatch(/RunConfigError: invalid run config[\s\S]*\n\s+at /);
    const bad = await cli(['config', '--preset', 'toy/basic', '--set', 'head.id=toy/clasify']);
    expect(bad.stderr).toContain("head.id: unknown head 'toy/clasify' (did you mean 'toy/classify'?)");
  });

  it('a target role the architecture lacks names the closest and every role it has', async () => {
    const typo = await cli(['inspect', '--preset', 'toy/basic', '--set', 'peft.targetRoles=[ffn.upp]']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "peftkit: peft.targetRoles: architecture 'toy/mlp' has no role 'ffn.upp' (did you mean 'ffn.up'?); " +
        'its roles: ffn.up, embed, head (from --set peft.targetRoles=[ffn.upp])\n',
    );
    const unmapped = await cli([
      'inspect',
      '--preset',
      'toy/basic',
      '--set',
      'peft.targetRoles=[ffn.up,conv]',
    ]);
    expect(unmapped.stderr).toContain("has no role 'conv' (a core role it does not map); its roles: ffn.up");
    const malformed = await cli(['config', '--preset', 'toy/basic', '--set', 'peft.targetRoles=[Attn.Q]']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toBe(
      "peftkit: invalid run config: peft.targetRoles.0 must be a role name: lowercase and dotted, e.g. attn.q, ffn.up, conv.feature, got 'Attn.Q' (from --set peft.targetRoles=[Attn.Q])\n",
    );
  });

  it('a misspelled peft field fails at config resolution, before data is read or a model built', async () => {
    const out = path.join(tmp, 'never-written');
    const r = await cli(['train', '--preset', 'toy/basic', '--set', 'peft.loraAlpah=16', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "peftkit: invalid run config: peft.loraAlpah is not a known field (did you mean 'loraAlpha'?) (from --set peft.loraAlpah=16)\n",
    );
    await expect(fs.access(out)).rejects.toThrow();
  });

  it('a plugin that fails to load is reported; the command still works', async () => {
    const broken = path.join(tmp, 'broken.mjs');
    await fs.writeFile(broken, "throw new Error('broken plugin');\n");
    const r = await cli(['presets', '--json', '--plugin', broken]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    expect(r.stderr).toContain(
      `peftkit: warning: plugin '${broken}' was not loaded: importing ${broken} failed: broken plugin`,
    );
  });

  it('every command has --help; unknown commands exit non-zero', async () => {
    for (const command of [
      'doctor',
      'presets',
      'plugins',
      'config',
      'inspect',
      'train',
      'eval',
      'predict',
      'merge',
      'pretrain',
      'new-plugin',
    ]) {
      const r = await cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`Usage: peftkit ${command}`);
    }
    expect((await cli(['presets', 'show', '--help'])).stdout).toContain('Usage: peftkit presets show');
    expect((await cli(['no-such-command'])).code).not.toBe(0);
  });
});
