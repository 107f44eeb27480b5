import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatNumber } from '../../train/report/format.js';
import { type ReportSection, writeReport } from '../../train/report/html-report.js';
import { MetricsLog } from '../../train/report/metrics-log.js';
import type { TrainSummary } from '../../train/report/summary.js';
import type { EvaluatorFile } from '../evaluator.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { loadRun } from './load-run.js';
import { runEvaluator } from './run-evaluator.js';
import { RUN_FILES } from './run-files.js';
import { readRunManifest } from './run-manifest.js';

/**
 * When a finished run's config has `evaluation.report`, runs that evaluation (its `options` over
 * `evaluation.options`), writes its files to `<run>/eval/` and rewrites `report.html` with a
 * section holding its metrics and every SVG file it returned (after the `leading` sections the
 * training report already had). Returns the section, or undefined
 * when the config asks for none.
 */
export async function addEvaluationToReport(
  host: PeftkitHost,
  runDir: string,
  log: (line: string) => void,
  leading: readonly ReportSection[] = [],
): Promise<ReportSection | undefined> {
  const manifest = await readRunManifest(runDir);
  const evaluation = manifest.config.evaluation;
  if (!evaluation?.report) return undefined;
  const run = await loadRun(host, runDir);
  let section: ReportSection;
  try {
    const r = await runEvaluator(host, run, {
      evaluator: evaluation.evaluator,
      options: evaluation.report.options,
      outDir: path.join(runDir, RUN_FILES.evaluationDir),
      log,
    });
    section = {
      title: `Evaluation: ${r.evaluator}`,
      rows: Object.entries(r.metrics).map(([k, v]) => [k, formatNumber(v)] as const),
      figures: (r.files ?? []).filter(isSvg).map((f) => ({ caption: f.name, svg: text(f) })),
    };
  } finally {
    run.model.dispose();
  }
  const records = await MetricsLog.read(path.join(runDir, 'metrics.jsonl'));
  const summary = JSON.parse(await fs.readFile(path.join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
  await writeReport(path.join(runDir, 'report.html'), {
    title: path.basename(runDir),
    records,
    summary,
    sections: [...leading, section],
  });
  return section;
}

const isSvg = (f: EvaluatorFile) => f.name.toLowerCase().endsWith('.svg');
const text = (f: EvaluatorFile) =>
  typeof f.content === 'string' ? f.content : new TextDecoder().decode(f.content);
