import * as path from 'node:path';
import type { Command } from 'commander';
import { tuneLrRun } from '../../plugin/run/tune-lr-run.js';
import { initBackend } from '../../runtime/index.js';
import { lrCurveRows, lrCurveSparkline } from '../../train/lr-finder/render-lr-curve.js';
import type { CliContext } from '../context.js';
import { fmt, formatKeyValues, formatTable, printJson, printText } from '../output.js';
import {
  addConfigFlags,
  addTrainingFlags,
  defaultOutDir,
  type RunFlags,
  resolveCliConfig,
} from '../run-options.js';

export function registerTuneLr(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('tune-lr')
    .description(
      'learning-rate range test for the chosen PEFT method on your data: sweeps 1e-7..1, prints the curve and the pick (same flags as train)',
    )
    .option(
      '--out <dir>',
      'where lr-finder.svg and lr-finder.json go (default runs/<preset>-lr-<timestamp>)',
    );
  addTrainingFlags(addConfigFlags(cmd))
    .option('--json', 'print one JSON object (the whole curve and the choice)')
    .action(async (opts: RunFlags) => {
      const host = await ctx.getHost();
      const { config, origins, preset } = await resolveCliConfig(host, opts);
      const outDir = path.resolve(
        ctx.cwd,
        opts.out ?? defaultOutDir(ctx.cwd, `${preset?.id ?? config.model.architecture ?? 'run'}-lr`),
      );
      await initBackend();
      const r = await tuneLrRun(host, { config, origins, outDir, log: (l) => ctx.log(l) });
      const s = r.result.suggestion;
      if (opts.json) {
        return printJson({
          method: r.method,
          lr: s.lr,
          rule: s.rule,
          reason: s.reason,
          stop: r.result.stop,
          trainableParameters: r.trainableParameters,
          totalParameters: r.totalParameters,
          curve: r.result.lrs.map((lr, i) => ({
            lr,
            loss: r.result.losses[i],
            smoothed: r.result.smoothed[i],
          })),
          files: r.files,
        });
      }
      printText(lrCurveSparkline(r.result));
      printText(
        formatTable(
          ['lr', 'loss', 'smoothed'],
          lrCurveRows(r.result).map(([lr, loss, sm]) => [
            `${lr.toExponential(2)}${lr === r.result.lrs[s.index] ? ' <' : ''}`,
            fmt(loss),
            fmt(sm),
          ]),
        ),
      );
      printText(
        formatKeyValues([
          ['method', `${r.method} (${fmt(r.trainableParameters)} trainable of ${fmt(r.totalParameters)})`],
          ['chosen lr', `${s.lr.toExponential(2)} (${s.rule}: ${s.reason})`],
          ['use it', `--set training.lr=${Number(s.lr.toPrecision(2))}  (or training.lr: auto)`],
          ['files', r.files.join(', ')],
        ]),
      );
    });
}
