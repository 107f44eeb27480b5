import { parseArgs } from 'node:util';
import { commonDemoOptions, commonDemoUsage, publishReport, ROOT } from '../demo-cli.js';
import { DEFAULT_BUDGET, QUICK_BUDGET } from './config.js';
import { runTranslationDemo, type TranslationDemoOptions } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

export const TRANSLATION_USAGE = `pnpm demo translation [--quick] [--json] [--work <dir>] [--results <file> | --no-results]

  --quick           a smoke run: 40 pairs per domain, a few steps per row; the numbers mean
                    nothing, so it writes no results file
${commonDemoUsage('translation')}`;

/** What tests change besides flags: a tiny budget, other rows, no progress output. */
export type TranslationDemoOverrides = Partial<
  Pick<TranslationDemoOptions, 'budget' | 'methods' | 'progress'>
>;

/** `pnpm demo translation [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function translationDemoMain(
  args: readonly string[],
  overrides: TranslationDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...commonDemoOptions('translation'), quick: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${TRANSLATION_USAGE}\n`);
    return 0;
  }
  const report = await runTranslationDemo({
    workDir: values.work,
    budget: values.quick ? QUICK_BUDGET : DEFAULT_BUDGET,
    cwd: ROOT,
    ...overrides,
  });
  // A smoke run's numbers must never replace the real ones in docs/results.md.
  const publish = { ...values, 'no-results': values['no-results'] || values.quick };
  await publishReport({ name: 'translation', args, values: publish, report, renderText, renderMarkdown });
  return 0;
}
