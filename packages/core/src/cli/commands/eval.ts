import * as path from 'node:path';
import type { Command } from 'commander';
import { evaluateRun } from '../../plugin/run/evaluate-run.js';
import { loadRun } from '../../plugin/run/load-run.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { fmt, formatKeyValues, printJson, printText } from '../output.js';
import { positiveInt } from '../run-options.js';

export function registerEval(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('evaluate a trained run (adapter, full or merged) on data')
    .requiredOption('--adapter <dir>', 'a run directory written by train, pretrain or merge')
    .option('--base <dir>', 'base checkpoint to use instead of the one the run records')
    .requiredOption('--data <path>', 'evaluation data (read with the run’s reader and label set)')
    .option(
      '--split <name>',
      'a named split of a multi-split source, e.g. test of a MedMNIST .npz (default: the reader’s eval split)',
    )
    .option('--metrics <names>', 'comma-separated metric names (default: the run’s)')
    .option('--batch-size <n>', 'evaluation batch size', positiveInt)
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        adapter: string;
        base?: string;
        data: string;
        split?: string;
        metrics?: string;
        batchSize?: number;
        json?: boolean;
      }) => {
        const host = await ctx.getHost();
        await initBackend();
        const run = await loadRun(
          host,
          path.resolve(ctx.cwd, opts.adapter),
          opts.base ? { base: path.resolve(ctx.cwd, opts.base) } : {},
        );
        try {
          const result = await evaluateRun(host, run, {
            data: opts.data,
            ...(opts.split !== undefined ? { split: opts.split } : {}),
            ...(opts.metrics
              ? {
                  metrics: opts.metrics
                    .split(',')
                    .map((m) => m.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
            log: (l) => ctx.log(l),
          });
          const report = {
            adapter: run.dir,
            base: run.baseDir,
            data: opts.data,
            split: opts.split ?? null,
            ...result,
          };
          if (opts.json) return printJson(report);
          printText(
            formatKeyValues([
              ['run', run.dir],
              [
                'data',
                `${opts.data}${opts.split !== undefined ? ` [${opts.split}]` : ''} (${result.examples ?? '?'} examples)`,
              ],
              ...Object.entries(result.metrics).map(([k, v]): [string, string] => [k, fmt(v)]),
            ]),
          );
        } finally {
          run.model.dispose();
        }
      },
    );
}
