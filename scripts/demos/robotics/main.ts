import { parseArgs } from 'node:util';
import { UserError } from '@peftkit/core';
import { commonDemoOptions, commonDemoUsage, publishReport, ROOT } from '../demo-cli.js';
import { DEFAULT_BUDGET, QUICK_BUDGET } from './config.js';
import { type RoboticsDemoOptions, runRoboticsDemo } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

export const ROBOTICS_USAGE = `pnpm demo robotics [--quick] [--workers <n>] [--json] [--work <dir>] [--results <file> | --no-results]

  --quick           a smoke run (few demos, steps and rollouts; numbers not meaningful)
  --workers <n>     runs trained in parallel worker processes (default: one per core); the
                    numbers do not depend on it, only the wall time does
${commonDemoUsage('robotics')}`;

/** What tests change besides flags: a tiny budget, shorter episodes, other rows, no progress output. */
export type RoboticsDemoOverrides = Partial<
  Pick<RoboticsDemoOptions, 'budget' | 'methods' | 'progress' | 'scenarios'>
>;

function workersFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--workers must be a whole number >= 1, got '${raw}'`);
  return n;
}

/** `pnpm demo robotics [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function roboticsDemoMain(
  args: readonly string[],
  overrides: RoboticsDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...commonDemoOptions('robotics'),
      quick: { type: 'boolean', default: false },
      workers: { type: 'string' },
    },
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
    workers: workersFlag(values.workers),
    cwd: ROOT,
    ...overrides,
  });
  await publishReport({ name: 'robotics', args, values, report, renderText, renderMarkdown });
  return 0;
}
