import { parseArgs } from 'node:util';
import { commonDemoOptions, commonDemoUsage, publishReport, ROOT } from '../demo-cli.js';
import { DEFAULT_BUDGET } from './config.js';
import { runVisionDemo, type VisionDemoOptions } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

export const VISION_USAGE = `pnpm demo vision [--json] [--work <dir>] [--results <file> | --no-results]

${commonDemoUsage('vision')}`;

/** What tests change besides flags: a tiny budget, extra rows, no progress output. */
export type VisionDemoOverrides = Partial<Pick<VisionDemoOptions, 'budget' | 'methods' | 'progress'>>;

/** `pnpm demo vision [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function visionDemoMain(
  args: readonly string[],
  overrides: VisionDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: commonDemoOptions('vision'),
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${VISION_USAGE}\n`);
    return 0;
  }
  const report = await runVisionDemo({
    workDir: values.work,
    budget: DEFAULT_BUDGET,
    cwd: ROOT,
    ...overrides,
  });
  await publishReport({ name: 'vision', args, values, report, renderText, renderMarkdown });
  return 0;
}
