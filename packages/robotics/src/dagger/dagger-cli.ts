import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ConfigLayer,
  createPeftkit,
  initBackend,
  loadConfigFile,
  type PeftkitHost,
  resolveRunConfig,
  setFlagLayers,
  UserError,
} from '@peftkit/core';
import { roboticsPlugin } from '../plugin.js';
import { runDagger } from './run-dagger.js';

export const DAGGER_USAGE = `peftkit-dagger --preset <id> --data <demos> --out <dir> [options]

Behaviour cloning, then DAgger rounds (data.options.dagger) on the shared Trainer.

  --preset <id>        a robotics preset (e.g. robotics/dynamics-shift)
  --config <file>      a run config layered over the preset (JSON or YAML)
  --set <path=value>   override one field (repeatable), e.g. --set 'data.options.dagger={budgetEpisodes: 10, rounds: 2}'
  --data <path>        the demonstrations (data.train)
  --base <dir>         the pretrained policy to adapt (model.base)
  --budget <n>         shorthand for data.options.dagger.budgetEpisodes
  --rounds <n>         shorthand for data.options.dagger.rounds
  --max-steps <n>      optimizer steps of round 0 (and of each round unless dagger.stepsPerRound)
  --seed <n>           training seed
  --out <dir>          DAgger directory: round-<i>/ runs, data/round-<i>/ datasets, dagger.json
  --json               print the result as JSON`;

/**
 * `peftkit-dagger`: resolves a run config like `peftkit train` (preset < --config < --set <
 * flags), then runs `runDagger`. Returns the exit code; user errors are one line on stderr.
 */
export async function daggerMain(
  args: readonly string[],
  o: { host?: PeftkitHost; cwd?: string; out?: (text: string) => void; err?: (text: string) => void } = {},
): Promise<number> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const err = o.err ?? ((t: string) => process.stderr.write(t));
  const cwd = o.cwd ?? process.cwd();
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        preset: { type: 'string' },
        config: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
        data: { type: 'string' },
        base: { type: 'string' },
        budget: { type: 'string' },
        rounds: { type: 'string' },
        'max-steps': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out(`${DAGGER_USAGE}\n`);
      return 0;
    }
    if (!values.out) throw new UserError('--out <dir> is required');
    const int = (flag: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw new UserError(`--${flag} must be a non-negative integer, got '${v}'`);
      return n;
    };
    const abs = (p: string) => path.resolve(cwd, p);
    const budget = int('budget', values.budget);
    const rounds = int('rounds', values.rounds);
    const maxSteps = int('max-steps', values['max-steps']);
    const seed = int('seed', values.seed);
    const dagger = {
      ...(budget !== undefined ? { budgetEpisodes: budget } : {}),
      ...(rounds !== undefined ? { rounds } : {}),
    };
    const flags: ConfigLayer = {
      name: 'command-line flags',
      value: {
        ...(values.data ? { data: { train: abs(values.data) } } : {}),
        ...(values.base ? { model: { base: abs(values.base) } } : {}),
        ...(maxSteps !== undefined || seed !== undefined
          ? {
              training: {
                ...(maxSteps !== undefined ? { maxSteps } : {}),
                ...(seed !== undefined ? { seed } : {}),
              },
            }
          : {}),
      },
    };
    const daggerLayer: ConfigLayer = { name: '--budget/--rounds', value: { data: { options: { dagger } } } };
    const host = o.host ?? (await createPeftkit({ plugins: [roboticsPlugin] }));
    const { config: resolved, origins } = resolveRunConfig({
      ...(values.preset ? { preset: host.presets.get(values.preset) } : {}),
      layers: [
        ...(values.config ? [await loadConfigFile(abs(values.config))] : []),
        ...setFlagLayers(values.set ?? []),
        ...(Object.keys(dagger).length ? [daggerLayer] : []),
        flags,
      ],
      peftMethods: host.peftMethods,
    });
    // --max-steps without --epochs drops the preset's epoch budget, as `peftkit train` does.
    const config =
      maxSteps !== undefined
        ? (() => {
            const { epochs: _dropped, ...training } = resolved.training;
            return { ...resolved, training };
          })()
        : resolved;
    await initBackend();
    const result = await runDagger(host, {
      config,
      origins,
      outDir: abs(values.out),
      log: (l) => err(`${l}\n`),
    });
    if (values.json) out(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const lines = result.rounds.map(
        (r) =>
          `round ${r.round}: ${r.learnerEpisodes} learner episodes labelled, trained on ${r.trainEpisodes} episodes${
            r.learner ? ` (learner before it: ${r.learner.pc_success.toFixed(0)}% success)` : ''
          }`,
      );
      out(
        `${[...lines, `policy: ${result.finalRun}`, `episodes used: ${result.episodesUsed} of ${result.options.budgetEpisodes}`].join('\n')}\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof UserError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`error: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}
