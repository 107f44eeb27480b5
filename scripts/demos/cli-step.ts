import * as path from 'node:path';
import {
  type ConfigLayer,
  loadConfigFile,
  type PeftkitHost,
  type RunConfig,
  resolveRunConfig,
  setFlagLayers,
} from '@peftkit/core';

/**
 * One `peftkit pretrain` / `peftkit train` invocation of the demo. The demo runs it in-process
 * (one tfjs start-up instead of one per step), resolving it exactly as the command would, and
 * prints the command line so any row can be rerun from the shell.
 */
export interface CliStep {
  readonly command: 'pretrain' | 'train';
  readonly preset: string;
  /** A config file layered over the preset (`--config`). */
  readonly config: string;
  /** `--set path=value` assignments, in order. */
  readonly set: readonly string[];
  readonly data: string;
  readonly evalData?: string;
  readonly base?: string;
  readonly out: string;
  readonly maxSteps: number;
  readonly seed: number;
}

/** The step's arguments after `peftkit`, paths relative to `cwd`. */
export function stepArgv(step: CliStep, cwd: string): string[] {
  const rel = (p: string) => (path.isAbsolute(p) ? path.relative(cwd, p) || '.' : p);
  // `--set key=/abs/path` too: the command line stays short and runs from `cwd` as printed.
  const relSet = (s: string) => s.replace(/^([^=]+=)(\/.*)$/, (_, key: string, p: string) => key + rel(p));
  return [
    step.command,
    '--preset',
    step.preset,
    '--config',
    rel(step.config),
    ...step.set.flatMap((s) => ['--set', relSet(s)]),
    '--data',
    rel(step.data),
    ...(step.evalData ? ['--eval-data', rel(step.evalData)] : []),
    ...(step.base ? ['--base', rel(step.base)] : []),
    '--out',
    rel(step.out),
    '--max-steps',
    String(step.maxSteps),
    '--seed',
    String(step.seed),
  ];
}

/** `program` and its arguments as one shell line (arguments quoted where needed), for logs and docs. */
export function shellCommand(program: string, argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [program, ...argv.map(quote)].join(' ');
}

/** `pnpm peftkit ...` with shell quoting, for logs and docs. */
export function stepCommand(step: CliStep, cwd: string): string {
  return shellCommand('pnpm peftkit', stepArgv(step, cwd));
}

/**
 * The run config the command would train with: preset < `--config` < `--set` < dedicated flags,
 * and `--max-steps` without `--epochs` drops the preset's epoch budget (the CLI's rule).
 */
export async function resolveStep(host: PeftkitHost, step: CliStep): Promise<RunConfig> {
  const flags: ConfigLayer = {
    name: 'command-line flags',
    value: {
      data: { train: step.data, ...(step.evalData ? { eval: step.evalData } : {}) },
      ...(step.base ? { model: { base: step.base } } : {}),
      output: { dir: step.out },
      training: { maxSteps: step.maxSteps, seed: step.seed },
    },
  };
  const { config } = resolveRunConfig({
    preset: host.presets.get(step.preset),
    pretrain: step.command === 'pretrain',
    layers: [await loadConfigFile(step.config), ...setFlagLayers(step.set), flags],
  });
  const { epochs: _dropped, ...training } = config.training;
  return { ...config, training };
}
