import { parseArgs } from 'node:util';
import { commonDemoOptions, commonDemoUsage, publishReport, ROOT } from '../demo-cli.js';
import { DEFAULT_BUDGET, QUICK_BUDGET } from './config.js';
import { type RoboticsDemoOptions, runRoboticsDemo } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

export const ROBOTICS_USAGE = `pnpm demo robotics [--quick] [--json] [--work <dir>] [--results <file> | --no-results]

  --quick           a smoke run (few demos, steps and rollouts; numbers not meaningful)
${commonDemoUsage('robotics')}`;

/** What tests change besides flags: a tiny budget, other rows, no progress output. */
export type RoboticsDemoOverrides = Partial<Pick<RoboticsDemoOptions, 'budget' | 'methods' | 'progress'>>;

/** `pnpm demo robotics [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function roboticsDemoMain(
  args: readonly string[],
  overrides: RoboticsDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...commonDemoOptions('robotics'), quick: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${ROBOTICS_USAGE}\n`);
    return 0;
  }
  const report = await runRoboticsDemo({
    workDir: values.work,
    budget: values.quick ? QUICK_BUDGET : DEFAULT_BUDGET,
    cwd: ROOT,
    ...overrides,
  });
  await publishReport({ name: 'robotics', args, values, report, renderText, renderMarkdown });
  return 0;
}
