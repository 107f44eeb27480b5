import * as path from 'node:path';
import { formatNumber } from '../../train/report/format.js';
import type { ReportSection } from '../../train/report/html-report.js';
import type { EvaluatorFile } from '../evaluator.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { loadRun } from './load-run.js';
import { runEvaluator } from './run-evaluator.js';
import { RUN_FILES } from './run-files.js';
import { readRunManifest } from './run-manifest.js';
import { readReportSections, renderRunReport, writeReportSections } from './run-report.js';

/**
 * When a finished run's config has `evaluation.report`, runs that evaluation (its `options` over
 * `evaluation.options`), writes its files to `<run>/eval/` and rewrites `report.html` with a
 * section holding its metrics and every SVG file it returned (kept in `report-sections.json`
 * so later re-renders keep it). Returns the section, or undefined when the config asks for none.
 */
export async function addEvaluationToReport(
  host: PeftkitHost,
  runDir: string,
  log: (line: string) => void,
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
  const stored = await readReportSections(runDir);
  await writeReportSections(runDir, { ...stored, evaluation: [section] });
  await renderRunReport(runDir);
  return section;
}

const isSvg = (f: EvaluatorFile) => f.name.toLowerCase().endsWith('.svg');
const text = (f: EvaluatorFile) =>
  typeof f.content === 'string' ? f.content : new TextDecoder().decode(f.content);
