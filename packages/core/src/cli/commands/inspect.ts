import type { Command } from 'commander';
import { inspectRun } from '../../plugin/run/inspect-run.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { fmt, formatKeyValues, formatTable, printJson, printText } from '../output.js';
import { addConfigFlags, type RunFlags, resolveCliConfig } from '../run-options.js';

export function registerInspect(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('inspect')
    .description('build the model, apply PEFT, and show targets per role and trainable/total parameters');
  addConfigFlags(cmd)
    .option('--json', 'print one JSON object')
    .action(async (opts: RunFlags) => {
      const host = await ctx.getHost();
      const { config, origins } = await resolveCliConfig(host, opts);
      await initBackend();
      const report = await inspectRun(host, config, { origins, log: (l) => ctx.log(l) });
      if (opts.json) return printJson(report);
      const p = report.parameters;
      printText(
        formatKeyValues([
          ['architecture', report.architecture],
          ['base', report.base ?? 'fresh (model.config)'],
          ['method', report.method],
          [
            'trainable',
            `${fmt(p.trainable)} of ${fmt(p.total)} parameters (${(100 * p.fraction).toFixed(3)}%)`,
          ],
          ['modules saved', report.modulesToSave.join(', ') || 'none'],
        ]),
      );
      printText(
        `\n${formatTable(
          ['role', 'declared by', 'modules', 'targeted', 'description'],
          report.roles.map((r) => [
            r.role,
            r.declaredBy,
            String(r.modules.length),
            r.targeted.length ? r.targeted.join(', ') : '-',
            r.description,
          ]),
        )}`,
      );
      const loose = report.targets.filter((t) => !report.roles.some((r) => r.targeted.includes(t)));
      if (loose.length) printText(`\ntargets outside any role: ${loose.join(', ')}`);
    });
}
