import * as path from 'node:path';
import type { Command } from 'commander';
import { trainRun } from '../../plugin/run/train-run.js';
import { UserError } from '../../plugin/user-error.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { interruptedError, withInterrupts } from '../interrupts.js';
import { printJson } from '../output.js';
import { addConfigFlags, addTrainingFlags, type RunFlags, resolveCliConfig } from '../run-options.js';
import { printRunResult } from './train.js';

export function registerPretrain(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('pretrain')
    .description(
      "train a base model fully on a preset's source data; --out becomes a base checkpoint for `train --base`",
    )
    .requiredOption('--out <dir>', 'output directory: a base checkpoint plus the run files');
  addTrainingFlags(addConfigFlags(cmd))
    .option('--json', 'print one JSON object (progress goes to stderr)')
    .action(async (opts: RunFlags) => {
      const host = await ctx.getHost();
      const preset = opts.preset ? host.presets.get(opts.preset) : undefined;
      if (preset && !preset.pretrain && !opts.data) {
        throw new UserError(
          `preset ${preset.id} has no pretraining recipe; give the source data with --data <path>`,
        );
      }
      const { config, origins } = await resolveCliConfig(host, opts, { pretrain: true });
      await initBackend();
      const { result, signal } = await withInterrupts(ctx, (abort) =>
        trainRun(host, {
          config,
          origins,
          outDir: path.resolve(ctx.cwd, opts.out as string),
          log: (l) => ctx.log(l),
          signal: abort,
          command: 'pretrain',
        }),
      );
      if (opts.json) printJson(result);
      else printRunResult(result);
      if (result.status === 'interrupted') throw interruptedError(ctx, result, signal);
    });
}
