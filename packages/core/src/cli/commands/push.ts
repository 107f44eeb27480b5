import * as path from 'node:path';
import type { Command } from 'commander';
import { pushRun } from '../../plugin/run/push-run.js';
import type { CliContext } from '../context.js';
import { formatKeyValues, printJson, printText } from '../output.js';

export function registerPush(program: Command, ctx: CliContext): void {
  program
    .command('push')
    .description(
      'upload an adapter run to the Hugging Face Hub as an HF PEFT adapter with a model card (needs HF_TOKEN)',
    )
    .requiredOption('--adapter <dir>', 'an adapter run directory written by train')
    .requiredOption('--repo <org/name>', 'the model repository to upload to (created when missing)')
    .option(
      '--base-model <org/name>',
      "the base's Hub id, when the run's base is not a Hub model from the HF cache",
    )
    .option('--private', 'create the repository private')
    .option('--branch <name>', 'branch to commit to', 'main')
    .option('--message <text>', 'commit title')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        adapter: string;
        repo: string;
        baseModel?: string;
        private?: boolean;
        branch: string;
        message?: string;
        json?: boolean;
      }) => {
        const result = await pushRun(path.resolve(ctx.cwd, opts.adapter), {
          repo: opts.repo,
          branch: opts.branch,
          ...(opts.baseModel ? { baseModel: opts.baseModel } : {}),
          ...(opts.private ? { private: true } : {}),
          ...(opts.message ? { message: opts.message } : {}),
          log: (l) => ctx.log(l),
        });
        if (opts.json) return printJson(result);
        printText(
          formatKeyValues([
            ['repo', result.repo],
            ['commit', result.commit ?? '?'],
            ['base model', result.baseModel ?? '?'],
            ['files', result.files.join(', ')],
          ]),
        );
      },
    );
}
