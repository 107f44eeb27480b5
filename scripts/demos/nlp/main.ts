import { parseArgs } from 'node:util';
import { UserError } from '@peftkit/core';
import { commonDemoOptions, commonDemoUsage, publishReport, ROOT } from '../demo-cli.js';
import { DEFAULT_BUDGET, type NlpDemoBudget, QUICK_BUDGET } from './config.js';
import { type NlpDemoOptions, runNlpDemo } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

export const NLP_USAGE = `pnpm demo nlp [--pretrain [--save-base <dir>]] [--quick] [--json] [--work <dir>] [--results <file> | --no-results]

  --pretrain        pretrain the base now (masked LM on the SpamAssassin emails: 39 min on a
                    shared 2-core machine) instead of adapting the committed scripts/demos/nlp/base
  --save-base <dir> with --pretrain: also write the new base there (scripts/demos/nlp/base
                    refreshes the committed one)
  --quick           a smoke run: 80 sentences per domain, a few steps per method (and a few
                    hundred emails with --pretrain); the numbers mean nothing, so it
                    writes no results file
${commonDemoUsage('nlp')}`;

/** What tests change besides flags: a tiny budget, other rows, another base, no progress output. */
export type NlpDemoOverrides = Partial<Pick<NlpDemoOptions, 'budget' | 'methods' | 'progress' | 'base'>>;

/** `pnpm demo nlp [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function nlpDemoMain(
  args: readonly string[],
  overrides: NlpDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...commonDemoOptions('nlp'),
      pretrain: { type: 'boolean', default: false },
      'save-base': { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${NLP_USAGE}\n`);
    return 0;
  }
  if (values['save-base'] && !values.pretrain) throw new UserError('--save-base needs --pretrain');
  const budget: NlpDemoBudget = values.quick ? QUICK_BUDGET : DEFAULT_BUDGET;
  const report = await runNlpDemo({
    workDir: values.work,
    budget,
    pretrain: values.pretrain,
    saveBase: values['save-base'],
    command: ['pnpm demo nlp', ...args.filter((a) => a !== '--json')].join(' '),
    cwd: ROOT,
    ...overrides,
  });
  // A smoke run's numbers must never replace the real ones in docs/results.md.
  const publish = { ...values, 'no-results': values['no-results'] || values.quick };
  await publishReport({ name: 'nlp', args, values: publish, report, renderText, renderMarkdown });
  return 0;
}
