import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeResultsSection } from '../results-file.js';
import { DEFAULT_BUDGET } from './config.js';
import { runVisionDemo, type VisionDemoOptions } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const VISION_USAGE = `pnpm demo vision [--json] [--work <dir>] [--results <file> | --no-results]

  --json            print the results as one JSON document on stdout (logs stay on stderr)
  --work <dir>      where runs and data go (default runs/demo-vision; wiped at the start)
  --results <file>  the markdown file whose vision section is rewritten (default docs/results.md)
  --no-results      do not write a results file`;

/** What tests change besides flags: a tiny budget, extra rows, no progress output. */
export type VisionDemoOverrides = Partial<Pick<VisionDemoOptions, 'budget' | 'methods' | 'progress'>>;

/** `pnpm demo vision [...]`: runs the demo, prints the table (or JSON), updates docs/results.md. */
export async function visionDemoMain(
  args: readonly string[],
  overrides: VisionDemoOverrides = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      json: { type: 'boolean', default: false },
      work: { type: 'string', default: path.join(ROOT, 'runs', 'demo-vision') },
      results: { type: 'string', default: path.join(ROOT, 'docs', 'results.md') },
      'no-results': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
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
  const resultsFile = values['no-results'] ? null : path.resolve(values.results);
  if (resultsFile) {
    const command = ['pnpm demo vision', ...args.filter((a) => a !== '--json')].join(' ');
    await writeResultsSection(resultsFile, 'vision', renderMarkdown(report, command));
    process.stderr.write(`demo: wrote ${path.relative(process.cwd(), resultsFile) || resultsFile}\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, resultsFile }, jsonNumbers, 2)}\n`);
  else process.stdout.write(`${renderText(report)}\n`);
  return 0;
}

/** Non-finite numbers become null, as in every peftkit `--json` document. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
