import * as path from 'node:path';
import type { Command } from 'commander';
import type { PeftkitHost } from '../../plugin/peftkit-host.js';
import { evaluateRun } from '../../plugin/run/evaluate-run.js';
import type { LoadedRun } from '../../plugin/run/load-run.js';
import { readEvaluatorOptions, runEvaluator } from '../../plugin/run/run-evaluator.js';
import { addEvalRunToReport } from '../../plugin/run/run-report.js';
import { UserError } from '../../plugin/user-error.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { loadCliTarget } from '../load-target.js';
import { fmt, formatKeyValues, printJson, printText } from '../output.js';
import { positiveInt } from '../run-options.js';
import { printWarnings } from './train.js';

export function registerEval(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description(
      'evaluate a trained run (adapter, full or merged) on data, or with a contributed evaluator (e.g. simulator rollouts)',
    )
    .option(
      '--adapter <dir>',
      'a run directory written by train, pretrain or merge, or a Hugging Face PEFT adapter directory or Hub id (org/name[@revision])',
    )
    .option(
      '--base <dir>',
      'base checkpoint (directory or Hub id org/name[@revision]) to use instead of the one the run records; alone: a model to evaluate as is (an HF task checkpoint)',
    )
    .option(
      '--data <path>',
      'evaluation data (read with the run’s reader and label set); without it and --evaluator, the run config’s evaluation block is used',
    )
    .option('--evaluator <id>', 'a contributed evaluator instead of data metrics (see peftkit doctor)')
    .option('--options <json|file>', 'evaluator options: inline JSON or a .json/.yaml file')
    .option('--out <dir>', 'where the evaluator writes its files (reports, plots): a new or empty directory')
    .option('--overwrite', 'replace an earlier eval output in --out, wholesale and atomically')
    .option(
      '--split <name>',
      'a named split of a multi-split source, e.g. test of a MedMNIST .npz (default: the reader’s eval split)',
    )
    .option('--metrics <names>', 'comma-separated metric names (default: the run’s)')
    .option('--batch-size <n>', 'evaluation batch size', positiveInt)
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        adapter?: string;
        base?: string;
        data?: string;
        evaluator?: string;
        options?: string;
        out?: string;
        overwrite?: boolean;
        split?: string;
        metrics?: string;
        batchSize?: number;
        json?: boolean;
      }) => {
        const host = await ctx.getHost();
        await initBackend();
        const run = await loadCliTarget(ctx, opts, 'eval');
        try {
          if (opts.data === undefined || opts.evaluator !== undefined) {
            if (opts.data !== undefined) throw new UserError('--data and --evaluator cannot be combined');
            return await evaluateWith(ctx, host, run, opts);
          }
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
          const reportFile = await addEvalRunToReport(run.dir, {
            at: new Date().toISOString(),
            data: opts.data,
            split: opts.split ?? null,
            examples: result.examples,
            metrics: result.metrics,
            classification: result.classification,
          }).catch((err: Error) => {
            // The evaluation stands; a run directory we cannot write to only misses the section.
            ctx.log(`warning: report.html not updated: ${err.message.split('\n')[0]}`);
            return undefined;
          });
          const report = {
            adapter: run.dir,
            base: run.baseDir,
            data: opts.data,
            split: opts.split ?? null,
            ...result,
            report: reportFile ?? null,
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
              ...(reportFile ? [['report', reportFile] as [string, string]] : []),
            ]),
          );
          printWarnings(result.qualityWarnings);
        } finally {
          run.model.dispose();
        }
      },
    );
}

/** `peftkit eval --evaluator` (or the run config's `evaluation`): a contributed evaluator. */
async function evaluateWith(
  ctx: CliContext,
  host: PeftkitHost,
  run: LoadedRun,
  opts: { evaluator?: string; options?: string; out?: string; overwrite?: boolean; json?: boolean },
): Promise<void> {
  const result = await runEvaluator(host, run, {
    evaluator: opts.evaluator,
    options: opts.options !== undefined ? await readEvaluatorOptions(opts.options, ctx.cwd) : undefined,
    outDir: opts.out !== undefined ? path.resolve(ctx.cwd, opts.out) : undefined,
    overwrite: opts.overwrite ?? false,
    log: (l) => ctx.log(l),
  });
  if (opts.json) {
    return printJson({
      adapter: run.dir,
      base: run.baseDir,
      evaluator: result.evaluator,
      options: result.options,
      metrics: result.metrics,
      details: result.details ?? null,
      files: result.written,
    });
  }
  printText(
    formatKeyValues([
      ['run', run.dir],
      ['evaluator', result.evaluator],
      ...Object.entries(result.metrics).map(([k, v]): [string, string] => [k, fmt(v)]),
      ...result.written.map((f): [string, string] => ['wrote', f]),
    ]),
  );
}
