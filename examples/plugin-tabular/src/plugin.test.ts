import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, loadSafetensors, runCli } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from './data/synthetic.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** `peftkit <argv> --json` in-process, loading this package as a plugin the way a user would. */
async function peftkit(
  argv: string[],
): Promise<{ code: number; result: Record<string, unknown>; stderr: string }> {
  const {
    result: code,
    stdout,
    stderr,
  } = await captureOutput(() =>
    runCli(['--plugin', packageDir, '--no-discover', argv[0] as string, '--json', ...argv.slice(1)]),
  );
  if (code !== 0) throw new Error(`peftkit ${argv.join(' ')} exited ${code}: ${stderr}`);
  // --json: stdout is exactly one JSON document.
  return { code, result: JSON.parse(stdout), stderr };
}

let dir: string;
let base: Promise<Awaited<ReturnType<typeof peftkit>>> | undefined;

/** Pretrains the base on the generated source table, once for the tests that adapt it. */
function pretrainBase(): Promise<Awaited<ReturnType<typeof peftkit>>> {
  base ??= peftkit([
    'pretrain',
    '--preset',
    'tabular/classification',
    '--data',
    'synthetic:source?rows=800&seed=1',
    '--epochs',
    '3',
    '--out',
    path.join(dir, 'base'),
  ]);
  return base;
}

beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tabular-'));
  await fs.writeFile(path.join(dir, 'train.csv'), syntheticCsv('target', 600, 2));
  // The test table has one row with a label the model never saw: it is skipped and reported.
  await fs.writeFile(path.join(dir, 'test.csv'), `${syntheticCsv('target', 300, 3)}0,0,0,0,0,0,unheard\n`);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('tabular plugin through the peftkit CLI', () => {
  it('pretrains a base, trains a LoRA adapter on a CSV, evaluates, predicts and merges', async () => {
    const base = path.join(dir, 'base');
    const pre = await pretrainBase();
    expect(pre.result['kind']).toBe('full');
    expect(pre.result['files']).toEqual(expect.arrayContaining(['config.json', 'model.safetensors']));

    const out = path.join(dir, 'lora');
    const { result } = await peftkit([
      'train',
      '--preset',
      'tabular/classification',
      '--data',
      path.join(dir, 'train.csv'),
      '--base',
      base,
      '--epochs',
      '8',
      '--out',
      out,
    ]);
    const files = await fs.readdir(out);
    expect(files).toEqual(
      expect.arrayContaining([
        'adapter_config.json',
        'adapter_model.safetensors',
        'peftkit.json',
        'preprocessor.json',
        'peftkit-run.json',
        'head.safetensors',
        'metrics.jsonl',
        'summary.json',
        'report.html',
      ]),
    );
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.finalMetrics.accuracy).toBeGreaterThan(0.7); // three classes: chance is 1/3
    expect((result['summary'] as { trainableParameters: number }).trainableParameters).toBeLessThan(
      summary.totalParameters,
    );
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    // Roles resolved to every up/down projection, written in HF's short form.
    expect(adapterConfig.target_modules).toEqual(['down', 'up']);
    const preprocessor = JSON.parse(await fs.readFile(path.join(out, 'preprocessor.json'), 'utf8'));
    expect(preprocessor.state.columns).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);

    const evaluated = await peftkit(['eval', '--adapter', out, '--data', path.join(dir, 'test.csv')]);
    const metrics = evaluated.result['metrics'] as { accuracy: number };
    expect(metrics.accuracy).toBeGreaterThan(0.7);
    expect(evaluated.result['examples']).toBe(300);
    expect(evaluated.stderr).toContain("labels the model was not trained on: 'unheard' (1 row)");

    const predicted = await peftkit([
      'predict',
      '--adapter',
      out,
      '--',
      '-0.5,5,-3,10,0,2',
      'f0=1,f1=5,f2=-3,f3=10,f4=0,f5=2',
    ]);
    const predictions = predicted.result['predictions'] as {
      label: string;
      probabilities: Record<string, number>;
    }[];
    expect(predictions).toHaveLength(2);
    for (const p of predictions) {
      expect(['low', 'mid', 'high']).toContain(p.label);
      const total = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 5);
      expect(p.probabilities[p.label]).toBe(Math.max(...Object.values(p.probabilities)));
    }

    // The pretrained base was read with the synthetic reader; evaluating it on a CSV must use
    // the CSV reader, not the run's own reader (which would ignore the path).
    const baseEval = await peftkit(['eval', '--adapter', base, '--data', path.join(dir, 'test.csv')]);
    expect(baseEval.result['examples']).toBe(300);

    const merged = path.join(dir, 'merged');
    await peftkit(['merge', '--adapter', out, '--out', merged]);
    const again = await peftkit(['eval', '--adapter', merged, '--data', path.join(dir, 'test.csv')]);
    expect((again.result['metrics'] as { accuracy: number }).accuracy).toBe(metrics.accuracy);
  });

  it('inspect shows the LoRA targets per role', async () => {
    const { result } = await peftkit([
      'inspect',
      '--preset',
      'tabular/classification',
      '--data',
      path.join(dir, 'train.csv'),
    ]);
    const roles = Object.fromEntries(
      (result['roles'] as { role: string; targeted: string[] }[]).map((r) => [r.role, r.targeted]),
    );
    expect(roles['ffn.up']).toEqual(['mlp.layers.0.up', 'mlp.layers.1.up']);
    expect(roles['ffn.down']).toEqual(['mlp.layers.0.down', 'mlp.layers.1.down']);
    expect(roles['embed']).toEqual([]);
    expect(result['modulesToSave']).toEqual(['classifier']);
    expect(result['labels']).toEqual(['high', 'low', 'mid']);
  });

  it('declares its own role: listed by doctor and inspect, usable as a LoRA target', async () => {
    const doctor = await peftkit(['doctor']);
    expect(doctor.result['declaredRoles']).toEqual([
      {
        role: 'tabular.features',
        description: 'the Linear that reads the standardised feature columns (features -> hidden)',
        plugins: ['tabular'],
        architectures: ['tabular-mlp'],
      },
    ]);

    const data = ['--preset', 'tabular/classification', '--data', path.join(dir, 'train.csv')];
    const target = ['--set', 'peft.targetRoles=[tabular.features]'];
    const { result } = await peftkit(['inspect', ...data, ...target]);
    const roles = result['roles'] as {
      role: string;
      declaredBy: string;
      description: string;
      targeted: string[];
    }[];
    expect(roles.find((r) => r.role === 'tabular.features')).toEqual({
      role: 'tabular.features',
      description: 'the Linear that reads the standardised feature columns (features -> hidden)',
      declaredBy: 'tabular',
      modules: ['mlp.input'],
      targeted: ['mlp.input'],
    });
    expect(roles.find((r) => r.role === 'ffn.up')?.declaredBy).toBe('core');
    expect(result['targets']).toEqual(['mlp.input']);

    const out = path.join(dir, 'features-lora');
    await peftkit(['train', ...data, ...target, '--max-steps', '2', '--out', out]);
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig.target_modules).toEqual(['input']);
    const sidecar = JSON.parse(await fs.readFile(path.join(out, 'peftkit.json'), 'utf8'));
    expect(sidecar.targetRoles).toEqual(['tabular.features']);

    // A mistyped role is the user's error: it names the closest role and every role the MLP has.
    const typo = await captureOutput(() =>
      runCli([
        '--plugin',
        packageDir,
        '--no-discover',
        'inspect',
        ...data,
        '--set',
        'peft.targetRoles=[tabular.feature]',
      ]),
    );
    expect(typo.result).toBe(2);
    expect(typo.stderr).toContain(
      "peftkit: peft.targetRoles: architecture 'tabular-mlp' has no role 'tabular.feature' (did you mean 'tabular.features'?); " +
        'its roles: ffn.up, ffn.down, norm, block, embed, tabular.features, head',
    );
  });

  it('trains, evaluates and merges the PEFT method the plugin contributes (FEATURE_AFFINE)', async () => {
    const doctor = await peftkit(['doctor']);
    expect(doctor.result['methods']).toContainEqual({ peftType: 'FEATURE_AFFINE', plugin: 'tabular' });
    expect(doctor.result['methods']).toContainEqual({ peftType: 'LORA', plugin: null });
    await pretrainBase();
    const out = path.join(dir, 'feature-affine');
    const { result } = await peftkit([
      'train',
      '--preset',
      'tabular/classification',
      '--set',
      'peft={peftType: FEATURE_AFFINE}',
      '--data',
      path.join(dir, 'train.csv'),
      '--base',
      path.join(dir, 'base'),
      '--epochs',
      '4',
      '--out',
      out,
    ]);
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    // The method's own default: the embed role, the MLP's input projection (6 features).
    expect([adapterConfig.peft_type, adapterConfig.target_modules]).toEqual(['FEATURE_AFFINE', ['input']]);
    const { tensors } = await loadSafetensors(path.join(out, 'adapter_model.safetensors'));
    const scale = tensors.get('base_model.model.mlp.input.feature_scale');
    expect(scale?.shape).toEqual([6]);
    expect(tensors.get('base_model.model.mlp.input.feature_shift')?.shape).toEqual([6]);
    // Trained away from the identity it starts at.
    expect(Array.from(scale?.dataSync() ?? []).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    // 2 * 6 feature parameters plus the classifier trained whole (32 * 3 + 3).
    expect((result['summary'] as { trainableParameters: number }).trainableParameters).toBe(12 + 99);
    for (const t of tensors.values()) t.dispose();

    const evaluated = await peftkit(['eval', '--adapter', out, '--data', path.join(dir, 'test.csv')]);
    const accuracy = (evaluated.result['metrics'] as { accuracy: number }).accuracy;
    expect(accuracy).toBeGreaterThan(0.5); // three classes: chance is 1/3
    const merged = path.join(dir, 'feature-affine-merged');
    await peftkit(['merge', '--adapter', out, '--out', merged]);
    const again = await peftkit(['eval', '--adapter', merged, '--data', path.join(dir, 'test.csv')]);
    expect((again.result['metrics'] as { accuracy: number }).accuracy).toBe(accuracy);
  });
});
