import * as path from 'node:path';
import type { Command } from 'commander';
import type { TrainRunResult } from '../../plugin/run/train-run.js';
import { trainRun } from '../../plugin/run/train-run.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { interruptedError, withInterrupts } from '../interrupts.js';
import { fmt, formatKeyValues, printJson, printText } from '../output.js';
import {
  addConfigFlags,
  addTrainingFlags,
  defaultOutDir,
  type RunFlags,
  resolveCliConfig,
  runRootOf,
} from '../run-options.js';

/** The human summary of a finished run (shared with `pretrain`). */
export function printRunResult(r: TrainRunResult): void {
  const s = r.summary;
  const rows: [string, string][] = [
    ['output', r.outputDir],
    ['kind', r.kind],
    ['status', r.status],
    ['steps', `${s.steps} (${fmt(s.epochs)} epochs, ${s.reason}: ${s.message})`],
    ['schedule', describeSchedule(s.schedule)],
    ['parameters', `${fmt(s.trainableParameters)} trainable of ${fmt(s.totalParameters)}`],
    ['train loss', fmt(s.finalTrainLoss)],
  ];
  for (const [k, v] of Object.entries(s.finalMetrics ?? {})) rows.push([`eval ${k}`, fmt(v)]);
  const workers = (s.workers ?? 1) > 1 ? `, ${s.workers} workers` : '';
  rows.push(['time', `${fmt(s.wallTimeSeconds)} s on ${s.backend}${workers}`], ['files', r.files.join(', ')]);
  printText(formatKeyValues(rows));
  printWarnings(s.warnings);
}

/** The lr schedule in one line, saying when a resume re-derived it for a new total. */
function describeSchedule(x: TrainRunResult['summary']['schedule']): string {
  const ratio = x.warmupRatio === null ? '' : ` (warmupRatio ${x.warmupRatio})`;
  const total = x.totalSteps === null ? '' : ` of ${x.totalSteps} steps`;
  const was = x.rederivedFrom
    ? `; re-derived on resume, was warmup ${x.rederivedFrom.warmupSteps}${x.rederivedFrom.totalSteps === null ? '' : ` of ${x.rederivedFrom.totalSteps}`}`
    : '';
  return `${x.kind}, warmup ${x.warmupSteps}${ratio}${total}${was}`;
}

/** Quality warnings, after the result so they are the last thing a user reads. */
export function printWarnings(warnings: readonly { message: string }[]): void {
  for (const w of warnings) printText(`\nWARNING: ${w.message}`);
}

export function registerTrain(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('train')
    .description('train an adapter (or the full model with peft: full) from a preset or config file')
    .option('--out <dir>', 'output directory (default runs/<preset>-<timestamp>)')
    .option('--resume <dir>', 'continue a run from its checkpoints/last (or from this checkpoint dir)');
  addTrainingFlags(addConfigFlags(cmd))
    .option('--json', 'print one JSON object (progress goes to stderr)')
    .action(async (opts: RunFlags) => {
      const host = await ctx.getHost();
      const resumeDir = opts.resume ? runRootOf(path.resolve(ctx.cwd, opts.resume)) : undefined;
      const { config, origins, preset } = await resolveCliConfig(host, opts, resumeDir ? { resumeDir } : {});
      const outDir =
        resumeDir && !opts.out
          ? resumeDir
          : path.resolve(
              ctx.cwd,
              config.output.dir ?? defaultOutDir(ctx.cwd, preset?.id ?? config.model.architecture ?? 'run'),
            );
      await initBackend();
      const { result, signal } = await withInterrupts(ctx, (abort) =>
        trainRun(host, {
          config,
          origins,
          outDir,
          ...(opts.resume ? { resumeFrom: path.resolve(ctx.cwd, opts.resume) } : {}),
          log: (l) => ctx.log(l),
          signal: abort,
          command: 'train',
        }),
      );
      if (opts.json) printJson(result);
      else printRunResult(result);
      if (result.status === 'interrupted') throw interruptedError(ctx, result, signal);
    });
}
