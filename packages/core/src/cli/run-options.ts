import * as path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { PeftkitHost } from '../plugin/peftkit-host.js';
import type { Preset } from '../plugin/preset.js';
import { readRunManifest } from '../plugin/run/run-manifest.js';
import { loadConfigFile, setFlagLayers } from '../plugin/run-config/config-file.js';
import type { ConfigLayer } from '../plugin/run-config/deep-merge.js';
import { type ResolvedRunConfig, resolveRunConfig } from '../plugin/run-config/resolve.js';
import { UserError } from '../plugin/user-error.js';

/** Flags that select and override a run config. */
export interface RunFlags {
  preset?: string;
  config?: string;
  set?: string[];
  data?: string;
  evalData?: string;
  base?: string;
  out?: string;
  maxSteps?: number;
  epochs?: number;
  seed?: number;
  workers?: 'auto' | number;
  resume?: string;
  json?: boolean;
}

/** Parses a positive integer flag value. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function workersFlag(value: string): 'auto' | number {
  if (value === 'auto') return 'auto';
  try {
    return positiveInt(value);
  } catch {
    throw new InvalidArgumentError("must be 'auto' or a positive integer");
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the config-selecting flags shared by `config`, `inspect`, `train` and `pretrain`. */
export function addConfigFlags(cmd: Command): Command {
  return cmd
    .option('--preset <id>', 'start from a preset (see `peftkit presets`)')
    .option('--config <file>', 'a run config file (JSON or YAML) over the preset')
    .option('--set <path=value>', 'override one field, e.g. --set training.lr=5e-4 (repeatable)', collect)
    .option('--data <path>', 'training data (data.train)')
    .option(
      '--eval-data <path>',
      "evaluation data (data.eval); default: the source's own eval split if it has one, else hold out data.evalFraction",
    )
    .option('--base <dir>', 'base checkpoint directory or Hub id org/name[@revision] (model.base)');
}

/** Adds the training-budget flags of `train` and `pretrain`. */
export function addTrainingFlags(cmd: Command): Command {
  return cmd
    .option('--max-steps <n>', 'optimizer steps; replaces the epoch budget', positiveInt)
    .option('--epochs <n>', 'epochs (training.epochs)', positiveInt)
    .option('--seed <n>', 'seed for init, shuffling and dropout (training.seed)', nonNegativeInt)
    .option(
      '--workers <auto|n>',
      'data-parallel replicas on worker threads, main thread included (training.workers; default 1)',
      workersFlag,
    );
}

/** The layer the dedicated flags make (above `--set`). */
function flagLayer(f: RunFlags): ConfigLayer {
  const value: Record<string, Record<string, unknown>> = {};
  const put = (section: string, key: string, v: unknown) => {
    if (v === undefined) return;
    value[section] ??= {};
    (value[section] as Record<string, unknown>)[key] = v;
  };
  put('data', 'train', f.data);
  put('data', 'eval', f.evalData);
  put('model', 'base', f.base);
  put('output', 'dir', f.out);
  put('training', 'maxSteps', f.maxSteps);
  put('training', 'epochs', f.epochs);
  put('training', 'seed', f.seed);
  put('training', 'workers', f.workers);
  return { name: 'command-line flags', value };
}

/** A resolved run config plus the preset it came from. */
export interface CliRunConfig extends ResolvedRunConfig {
  readonly preset: Preset | undefined;
}

/**
 * Resolves the run config of a command: preset < `--config` file < `--set` < dedicated flags.
 * With `--resume` and neither `--preset` nor `--config`, the resumed run's saved config is the
 * base layer. `--max-steps` without `--epochs` drops the epoch budget (HF's `max_steps`).
 */
export async function resolveCliConfig(
  host: PeftkitHost,
  f: RunFlags,
  o: { pretrain?: boolean; resumeDir?: string } = {},
): Promise<CliRunConfig> {
  const layers: ConfigLayer[] = [];
  const preset = f.preset === undefined ? undefined : host.presets.get(f.preset);
  if (!preset && !f.config) {
    if (!o.resumeDir) throw new UserError('give --preset <id> or --config <file> (see `peftkit presets`)');
    const prior = await readRunManifest(o.resumeDir);
    layers.push({ name: `run ${o.resumeDir}`, value: prior.config as unknown as Record<string, unknown> });
  }
  if (f.config) layers.push(await loadConfigFile(f.config));
  layers.push(...setFlagLayers(f.set ?? []), flagLayer(f));
  const resolved = resolveRunConfig({
    ...(preset ? { preset } : {}),
    pretrain: o.pretrain ?? false,
    layers,
    peftMethods: host.peftMethods,
  });
  const config = resolved.config;
  if (f.maxSteps !== undefined && f.epochs === undefined) {
    const { epochs: _dropped, ...training } = config.training;
    return { ...resolved, config: { ...config, training }, preset };
  }
  return { ...resolved, preset };
}

/** `runs/<preset or architecture>-<UTC timestamp>` under `cwd`. */
export function defaultOutDir(cwd: string, name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(cwd, 'runs', `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp}`);
}

/** The run root of a `--resume` argument (a run dir, or a `checkpoints/<name>` dir inside one). */
export function runRootOf(resume: string): string {
  const abs = path.resolve(resume);
  return path.basename(path.dirname(abs)) === 'checkpoints' ? path.dirname(path.dirname(abs)) : abs;
}
