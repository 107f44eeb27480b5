import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { mergeRuns, type RunsFile, writeRunsFile } from './suite.js';
import { type SuiteRow, type SuiteRun, summarise } from './table.js';

/**
 * Combines the `runs.json` of several suite outputs (invocations run side by side, one per core
 * or per domain) into `<out>/runs.json` without training, and returns the merged table rows. A
 * run of the same dataset/method/seed in a later directory replaces an earlier one; `out` may be
 * one of the sources.
 */
export async function mergeRunsFiles(
  sources: readonly string[],
  out: string,
): Promise<{ runs: readonly SuiteRun[]; rows: readonly SuiteRow[] }> {
  let runs: SuiteRun[] = [];
  const datasets = new Map<string, NonNullable<RunsFile['datasets']>[number]>();
  let baselines: Record<string, number> = {};
  for (const dir of sources) {
    const file = path.join(dir, 'runs.json');
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`--merge: cannot read ${file} (${err.code ?? err.message})`);
    });
    const parsed = JSON.parse(text) as RunsFile;
    if (!Array.isArray(parsed.runs)) throw new Error(`--merge: ${file} has no 'runs' array`);
    runs = mergeRuns(
      runs,
      parsed.runs.filter((r) => r.skipped === undefined),
    );
    for (const d of parsed.datasets ?? []) datasets.set(d.id, d);
    baselines = { ...baselines, ...parsed.baselines };
  }
  await writeRunsFile(out, { runs, datasets: [...datasets.values()], baselines });
  return { runs, rows: summarise(runs, baselines) };
}
