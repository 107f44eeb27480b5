import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredPeftMethods } from '../../peft/index.js';
import { fakePreset } from '../testing/fake-plugins.js';
import { RunConfigError } from './config-error.js';
import { loadConfigFile, setFlagLayers } from './config-file.js';
import { mergeLayers } from './deep-merge.js';
import { resolveRunConfig } from './resolve.js';

const preset = fakePreset('toy/basic', {
  preprocess: { id: 'toy/identity' },
  model: { architecture: 'toy/mlp', config: { hidden: 8, layers: 2 } },
  head: { id: 'toy/classify' },
  peft: { peftType: 'LORA', r: 8, loraAlpha: 16, targetRoles: ['ffn.up'] },
  training: { epochs: 3, lr: 1e-3, batchSize: 16 },
});

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-config-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof RunConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a RunConfigError');
}

describe('resolveRunConfig', () => {
  it('applies preset < config file < flags, deep-merged, with defaults', async () => {
    const file = path.join(dir, 'run.yaml');
    await fs.writeFile(
      file,
      'training:\n  lr: 0.005\n  epochs: 5\nmodel:\n  config:\n    hidden: 16\npeft:\n  r: 4\n',
    );
    const { config, origins } = resolveRunConfig({
      preset,
      layers: [await loadConfigFile(file), ...setFlagLayers(['training.lr=2e-4', 'data.train=rows.csv'])],
    });
    expect(config.training.lr).toBe(2e-4); // flag over file over preset
    expect(config.training.epochs).toBe(5); // file over preset
    expect(config.training.batchSize).toBe(16); // preset only
    expect(config.training.seed).toBe(42); // schema default
    expect(config.model.config).toEqual({ hidden: 16, layers: 2 }); // merged key by key
    expect(config.peft).toEqual({ peftType: 'LORA', r: 4, loraAlpha: 16, targetRoles: ['ffn.up'] });
    expect(config.data.train).toBe('rows.csv');
    expect(config.preset).toBe('toy/basic');
    expect(config.domain).toBe('toy');
    expect(origins.get('training.lr')).toBe('--set training.lr=2e-4');
    expect(origins.get('training.epochs')).toBe(`config file ${file}`);
    expect(origins.get('training.batchSize')).toBe('preset toy/basic');
  });

  it('reads JSON config files too', async () => {
    const file = path.join(dir, 'run.json');
    await fs.writeFile(file, JSON.stringify({ training: { maxSteps: 7 } }));
    const { config } = resolveRunConfig({ preset, layers: [await loadConfigFile(file)] });
    expect(config.training.maxSteps).toBe(7);
    await fs.writeFile(path.join(dir, 'bad.yaml'), 'training: [1,\n');
    await expect(loadConfigFile(path.join(dir, 'bad.yaml'))).rejects.toThrow(
      /bad\.yaml: cannot parse at line/,
    );
    await expect(loadConfigFile(path.join(dir, 'none.yaml'))).rejects.toThrow(/none\.yaml: not found/);
  });

  it('replaces the peft object when a higher layer switches method', () => {
    const { config } = resolveRunConfig({ preset, layers: setFlagLayers(['peft={peftType: IA3}']) });
    expect(config.peft).toEqual({ peftType: 'IA3' });
    const full = resolveRunConfig({ preset, layers: setFlagLayers(['peft=full']) });
    expect(full.config.peft).toBe('full');
  });

  it("applies the preset's per-method layer for the resolved method, under the user's layers", () => {
    const tuned = {
      ...preset,
      perMethod: { LORA: { training: { lr: 1e-2 } }, full: { training: { lr: 5e-4, epochs: 2 } } },
    };
    const lora = resolveRunConfig({ preset: tuned });
    expect(lora.config.training.lr).toBe(1e-2);
    expect(lora.origins.get('training.lr')).toBe('preset toy/basic (LORA)');
    expect(lora.config.training.epochs).toBe(3);

    const full = resolveRunConfig({ preset: tuned, layers: setFlagLayers(['peft=full']) });
    expect(full.config.training.lr).toBe(5e-4);
    expect(full.config.training.epochs).toBe(2);
    const pretrain = resolveRunConfig({ preset: tuned, pretrain: true });
    expect(pretrain.config.training.lr).toBe(5e-4);

    // A method the preset has no layer for keeps the preset's own values.
    const ia3 = resolveRunConfig({ preset: tuned, layers: setFlagLayers(['peft={peftType: IA3}']) });
    expect(ia3.config.training.lr).toBe(1e-3);

    // The user's value wins over the per-method default.
    const mine = resolveRunConfig({ preset: tuned, layers: setFlagLayers(['training.lr=3e-3']) });
    expect(mine.config.training.lr).toBe(3e-3);
    expect(mine.origins.get('training.lr')).toBe('--set training.lr=3e-3');
  });

  it('names the path and the layer of every invalid value', () => {
    const problems = problemsOf(() =>
      resolveRunConfig({
        preset,
        layers: setFlagLayers([
          'training.lr=0',
          'training.batchSize=2.5',
          'training.schedule=cosin',
          'training.batchsize=3',
        ]),
      }),
    );
    expect(problems).toEqual([
      'training.batchSize must be an integer, got number 2.5 (from --set training.batchSize=2.5)',
      'training.lr must be > 0 (from --set training.lr=0)',
      `training.schedule must be one of "constant", "constantWithWarmup", "linear", "cosine", got 'cosin' (did you mean 'cosine'?) (from --set training.schedule=cosin)`,
      "training.batchsize is not a known field (did you mean 'batchSize'?) (from --set training.batchsize=3)",
    ]);
  });

  it('reports missing sections and cross-field rules by path', () => {
    const problems = problemsOf(() =>
      resolveRunConfig({ layers: [{ name: 'f', value: { peft: {}, training: {} } }] }),
    );
    expect(problems).toEqual([
      'preprocess is required',
      'model.architecture or model.base is required',
      'head is required',
      'peft.peftType is required (from f)',
      'training.epochs or training.maxSteps is required (from f)',
    ]);
    const message = new RunConfigError(['a', 'b']).message;
    expect(message).toBe('invalid run config: a; b');
  });

  it("checks the peft block against its method's schema when given the methods", () => {
    const layers = setFlagLayers(['peft.lora_alpah=4', 'peft.loraAlpah=16', 'training.lr=0']);
    expect(
      problemsOf(() => resolveRunConfig({ preset, layers, peftMethods: registeredPeftMethods })),
    ).toEqual([
      'training.lr must be > 0 (from --set training.lr=0)',
      "peft.lora_alpah is not a known field (did you mean 'loraAlpha'?) (from --set peft.lora_alpah=4)",
      "peft.loraAlpah is not a known field (did you mean 'loraAlpha'?) (from --set peft.loraAlpah=16)",
    ]);
    expect(
      problemsOf(() =>
        resolveRunConfig({
          preset,
          layers: setFlagLayers(['peft={peftType: LORAA}']),
          peftMethods: registeredPeftMethods,
        }),
      )[0],
    ).toMatch(
      /^peft\.peftType: unknown PEFT method 'LORAA' \(did you mean 'LORA' or 'LOHA'\?\); known: .*IA3.*LORA/,
    );
    expect(
      problemsOf(() =>
        resolveRunConfig({ preset, layers: setFlagLayers(['peft.r=0']), peftMethods: registeredPeftMethods }),
      ),
    ).toEqual(['peft.r must be > 0 (from --set peft.r=0)']);
    // Without the methods only the run-config schema applies (the method is checked with the host).
    expect(
      resolveRunConfig({ preset, layers: setFlagLayers(['peft.loraAlpah=16']) }).config.peft,
    ).toMatchObject({
      loraAlpah: 16,
    });
  });

  it('deep-merges objects and replaces arrays and scalars', () => {
    const { value } = mergeLayers([
      { name: 'a', value: { x: { y: 1, z: [1, 2] }, k: 'v' } },
      { name: 'b', value: { x: { z: [3] }, k: null } },
    ]);
    expect(value).toEqual({ x: { y: 1, z: [3] }, k: null });
  });

  it('drops model.config from below when a layer names another architecture', () => {
    const preset = {
      name: 'preset p',
      value: { model: { architecture: 'bert', config: { hidden_size: 128 } } },
    };
    const other = mergeLayers([
      preset,
      { name: 'file', value: { model: { base: 'b' } } },
      { name: '--set', value: { model: { architecture: 'distilbert' } } },
    ]);
    expect(other.value).toEqual({ model: { architecture: 'distilbert', base: 'b' } });
    expect(other.origins.has('model.config.hidden_size')).toBe(false);
    expect(other.origins.get('model.architecture')).toBe('--set');
    // The same architecture again keeps (and merges into) the config below.
    const same = mergeLayers([
      preset,
      { name: 'f', value: { model: { architecture: 'bert', config: { x: 1 } } } },
    ]);
    expect(same.value).toEqual({ model: { architecture: 'bert', config: { hidden_size: 128, x: 1 } } });
  });
});
