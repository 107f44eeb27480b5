import { parseArgs } from 'node:util';
import { UserError } from '@peftkit/core';
import { commonDemoOptions, commonDemoUsage, publishReport, ROOT } from '../demo-cli.js';
import { DEFAULT_BUDGET, QUICK_BUDGET } from './config.js';
import { runSpeechDemo, type SpeechDemoOptions } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

export const SPEECH_USAGE = `pnpm demo speech [--pretrain [--save-base <dir>]] [--quick] [--json] [--work <dir>] [--results <file> | --no-results]

  --pretrain        pretrain the base now (synthesise the source-accent corpus, then CTC
                    training) instead of adapting the committed scripts/demos/speech/base
  --save-base <dir> with --pretrain: also write the new base there (scripts/demos/speech/base
                    refreshes the committed one)
  --quick           a smoke run: a few clips and steps; the numbers mean nothing, so it writes
                    no results file
${commonDemoUsage('speech')}
  Synthesised corpora are cached in <work>/corpora, keyed by a hash of their options: a rerun
  skips synthesis.`;

/** What tests change besides flags: a tiny budget, other rows, another base, no progress output. */
export type SpeechDemoOverrides = Partial<
  Pick<SpeechDemoOptions, 'budget' | 'methods' | 'progress' | 'base'>
>;

/** `pnpm demo speech [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function speechDemoMain(
  args: readonly string[],
  overrides: SpeechDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...commonDemoOptions('speech'),
      pretrain: { type: 'boolean', default: false },
      'save-base': { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${SPEECH_USAGE}\n`);
    return 0;
  }
  if (values['save-base'] && !values.pretrain) throw new UserError('--save-base needs --pretrain');
  const report = await runSpeechDemo({
    workDir: values.work,
    budget: values.quick ? QUICK_BUDGET : DEFAULT_BUDGET,
    pretrain: values.pretrain,
    saveBase: values['save-base'],
    command: ['pnpm demo speech', ...args.filter((a) => a !== '--json')].join(' '),
    cwd: ROOT,
    ...overrides,
  });
  // A smoke run's numbers must never replace the real ones in docs/results.md.
  const publish = { ...values, 'no-results': values['no-results'] || values.quick };
  await publishReport({ name: 'speech', args, values: publish, report, renderText, renderMarkdown });
  return 0;
}
