import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from './results-file.js';

/** The repository root: default work dirs and docs/results.md live under it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The flags every demo takes (`node:util` parseArgs options). */
export function commonDemoOptions(name: string) {
  return {
    json: { type: 'boolean', default: false },
    work: { type: 'string', default: path.join(ROOT, 'runs', `demo-${name}`) },
    results: { type: 'string', default: path.join(ROOT, 'docs', 'results.md') },
    'no-results': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  } as const;
}

/** Usage lines of the common flags, after a demo's own. */
export function commonDemoUsage(name: string): string {
  return `  --json            print the results as one JSON document on stdout (logs stay on stderr)
  --work <dir>      where runs and data go (default runs/demo-${name}; wiped at the start)
  --results <file>  the markdown file whose ${name} section is rewritten (default docs/results.md)
  --no-results      do not write a results file`;
}

export interface PublishOptions<R> {
  readonly name: string;
  /** The demo's flags as given, for the command line recorded in the results file. */
  readonly args: readonly string[];
  readonly values: { readonly json: boolean; readonly results: string; readonly 'no-results': boolean };
  readonly report: R;
  readonly renderText: (report: R) => string;
  readonly renderMarkdown: (report: R, command: string) => string;
}

/**
 * Finishes a demo: rewrites its section of the results file (unless `--no-results`), then prints
 * the table, or with `--json` the report as one JSON document.
 */
export async function publishReport<R extends object>(o: PublishOptions<R>): Promise<void> {
  const resultsFile = o.values['no-results'] ? null : path.resolve(o.values.results);
  if (resultsFile) {
    const command = [`pnpm demo ${o.name}`, ...o.args.filter((a) => a !== '--json')].join(' ');
    await writeResultsSection(resultsFile, o.name, o.renderMarkdown(o.report, command));
    process.stderr.write(`demo: wrote ${path.relative(process.cwd(), resultsFile) || resultsFile}\n`);
  }
  if (o.values.json) {
    process.stdout.write(`${JSON.stringify({ ...o.report, resultsFile }, jsonNumbers, 2)}\n`);
  } else process.stdout.write(`${o.renderText(o.report)}\n`);
}

/** Non-finite numbers become null, as in every peftkit `--json` document. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** What every demo's pipeline takes besides its budget and rows. */
export interface DemoRunOptions {
  /** Everything the demo writes goes here (wiped at the start; must be empty or a previous demo's). */
  readonly workDir: string;
  /** Paths in printed commands are relative to this (default `process.cwd()`). */
  readonly cwd?: string;
  /** Training progress on stderr (default 'auto': a bar on a TTY). */
  readonly progress?: 'auto' | 'plain' | 'none';
  readonly log?: (line: string) => void;
}
