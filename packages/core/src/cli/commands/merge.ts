import * as path from 'node:path';
import type { Command } from 'commander';
import { mergeRun } from '../../plugin/run/merge-run.js';
import { assertReplaceableOutDir } from '../../plugin/run/output-dir.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { loadCliTarget } from '../load-target.js';
import { formatKeyValues, printJson, printText } from '../output.js';

export function registerMerge(program: Command, ctx: CliContext): void {
  program
    .command('merge')
    .description(
      'merge an adapter into its base and write a standalone checkpoint (an HF task checkpoint where the model has one)',
    )
    .requiredOption(
      '--adapter <dir>',
      'an adapter run directory written by train, or a Hugging Face PEFT adapter directory or Hub id (org/name[@revision])',
    )
    .option(
      '--base <dir>',
      'base checkpoint (directory or Hub id org/name[@revision]) to use instead of the one the run records (HF adapters: default base_model_name_or_path)',
    )
    .requiredOption('--out <dir>', 'where to write the merged checkpoint (a new or empty directory)')
    .option('--overwrite', 'replace an earlier run or merge in --out, wholesale and atomically')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: { adapter: string; base?: string; out: string; overwrite?: boolean; json?: boolean }) => {
        // Before the model loads: a refused --out should fail at once.
        await assertReplaceableOutDir(path.resolve(ctx.cwd, opts.out), {
          command: 'merge',
          ours: 'run',
          overwrite: opts.overwrite ?? false,
        });
        await initBackend();
        const run = await loadCliTarget(ctx, opts, 'merge');
        try {
          const result = await mergeRun(run, path.resolve(ctx.cwd, opts.out), {
            overwrite: opts.overwrite ?? false,
            log: (l) => ctx.log(l),
          });
          if (opts.json) return printJson({ adapter: run.dir, ...result });
          printText(
            formatKeyValues([
              ['merged', result.outputDir],
              ['files', result.files.join(', ')],
            ]),
          );
        } finally {
          run.model.dispose();
        }
      },
    );
}
