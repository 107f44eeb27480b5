import * as path from 'node:path';
import type { Command } from 'commander';
import { loadRun } from '../../plugin/run/load-run.js';
import { predictRun } from '../../plugin/run/predict-run.js';
import { UserError } from '../../plugin/user-error.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { printJson, printText } from '../output.js';

export function registerPredict(program: Command, ctx: CliContext): void {
  program
    .command('predict')
    .description(
      'predict with a trained run: each input is what the domain parses (a file path, a row, a literal)',
    )
    .argument('<inputs...>', 'inputs to predict for')
    .requiredOption('--adapter <dir>', 'a run directory written by train, pretrain or merge')
    .option('--base <dir>', 'base checkpoint to use instead of the one the run records')
    .option('--top <k>', 'probabilities to show per input (human output)', '3')
    .option('--json', 'print one JSON object')
    .action(
      async (inputs: string[], opts: { adapter: string; base?: string; top: string; json?: boolean }) => {
        if (inputs.length === 0) throw new UserError('predict: give at least one input');
        const host = await ctx.getHost();
        await initBackend();
        const run = await loadRun(
          host,
          path.resolve(ctx.cwd, opts.adapter),
          opts.base ? { base: path.resolve(ctx.cwd, opts.base) } : {},
        );
        try {
          const predictions = await predictRun(run, inputs);
          if (opts.json) return printJson({ adapter: run.dir, predictions });
          const top = Math.max(1, Number(opts.top) || 3);
          for (const p of predictions) {
            const probs = Object.entries(p.probabilities ?? {})
              .sort((a, b) => b[1] - a[1])
              .slice(0, top)
              .map(([label, v]) => `${label} ${v.toFixed(3)}`)
              .join(', ');
            const result = p.label ?? (p.value === undefined ? '?' : JSON.stringify(p.value));
            printText(`${p.input}\t${result}${probs ? `\t(${probs})` : ''}`);
          }
        } finally {
          run.model.dispose();
        }
      },
    );
}
