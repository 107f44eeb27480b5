import * as path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_PROBE_STEPS, parseSuggestBudget, suggestRun } from '../../plugin/run/suggest-run.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { fmt, formatKeyValues, formatTable, printJson, printText } from '../output.js';
import {
  addConfigFlags,
  addTrainingFlags,
  nonNegativeInt,
  positiveInt,
  type RunFlags,
  resolveCliConfig,
} from '../run-options.js';

interface SuggestFlags extends RunFlags {
  budget?: string;
  batches?: number;
  probeSteps?: number;
  out?: string;
}

export function registerSuggest(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('suggest')
    .description(
      'which modules to adapt with LoRA and at which rank: scores every Linear, Embedding and Conv of the base by what a short LoRA probe on your data does there and spends a parameter budget (same flags as train)',
    )
    .option(
      '--budget <n>',
      "adapter parameters: a share of the base's (0.5%), a count, or 'run' (as many as the run's own adapter)",
      '1%',
    )
    .option(
      '--batches <n>',
      'training batches the first-step score (--probe-steps 0) averages over',
      positiveInt,
      8,
    )
    .option(
      '--probe-steps <n>',
      'score by training a rank-4 LoRA probe on every candidate for n steps (0: from the first step only, no training)',
      nonNegativeInt,
      DEFAULT_PROBE_STEPS,
    )
    .option('--out <file>', 'write the proposed run config (YAML) here');
  addTrainingFlags(addConfigFlags(cmd))
    .option('--json', 'print one JSON object')
    .action(async (opts: SuggestFlags) => {
      const host = await ctx.getHost();
      const budget = parseSuggestBudget(opts.budget ?? '1%');
      const { config, origins } = await resolveCliConfig(host, opts);
      await initBackend();
      const r = await suggestRun(host, {
        config,
        origins,
        budget,
        batches: opts.batches ?? 8,
        probeSteps: opts.probeSteps ?? DEFAULT_PROBE_STEPS,
        ...(opts.out ? { outFile: path.resolve(ctx.cwd, opts.out) } : {}),
        log: (l) => ctx.log(l),
      });
      if (opts.json) {
        return printJson({
          baseParameters: r.baseParameters,
          budgetParameters: r.budgetParameters,
          usedParameters: r.usedParameters,
          batches: r.batches,
          probeSteps: r.probeSteps,
          modules: r.rows,
          roles: r.roles,
          peft: r.peft,
          file: r.file ?? null,
        });
      }
      printText(
        formatTable(
          ['module', 'kind', 'role', 'layer', 'score', 'share', 'rank', 'params'],
          r.rows.map((row) => [
            row.module,
            row.kind,
            row.role,
            row.layer === null ? '-' : String(row.layer),
            row.score.toExponential(2),
            `${(100 * row.share).toFixed(1)}%`,
            row.rank ? String(row.rank) : '-',
            row.rank ? fmt(row.params) : '-',
          ]),
        ),
      );
      printText('');
      printText(
        formatTable(
          ['role', 'modules', 'share', 'adapted', 'params'],
          r.roles.map((x) => [
            x.role,
            String(x.modules),
            `${(100 * x.share).toFixed(1)}%`,
            String(x.adapted),
            fmt(x.params),
          ]),
        ),
      );
      printText('');
      printText(
        formatKeyValues([
          [
            'budget',
            `${fmt(r.usedParameters)} of ${fmt(r.budgetParameters)} adapter parameters (${((100 * r.usedParameters) / r.baseParameters).toFixed(3)}% of ${fmt(r.baseParameters)} base parameters)`,
          ],
          [
            'scored by',
            r.probeSteps
              ? `a rank-4 LoRA probe on every module, ${r.probeSteps} training steps`
              : `the first Adam step of a LoRA adapter on each module, ${r.batches} batches`,
          ],
          ['targets', (r.peft['targetModules'] as string[]).join(', ')],
          [
            'r',
            `${String(r.peft['r'])}${Object.keys(r.peft['rankPattern'] as object).length ? ' (others in rank_pattern)' : ''}`,
          ],
          [
            'config',
            r.file ? `${r.file}  (peftkit train --config ${r.file})` : 'not written (give --out <file>)',
          ],
        ]),
      );
    });
}
