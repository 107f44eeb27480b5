import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import type { ClassificationAnalysis } from '../../train/report/classification-analysis.js';
import { classificationSection } from '../../train/report/classification-section.js';
import { formatNumber } from '../../train/report/format.js';
import { type ReportSection, writeReport } from '../../train/report/html-report.js';
import { MetricsLog } from '../../train/report/metrics-log.js';
import type { TrainSummary } from '../../train/report/summary.js';
import { CLASSIFICATION_FILE, FINAL_EVALUATION_TITLE } from '../../train/trainer/trainer.js';
import { RUN_FILES } from './run-files.js';
import type { RunManifest } from './run-manifest.js';

/** Sections a run's report keeps across re-renders (they cannot be rebuilt from other files). */
export interface StoredReportSections {
  /** From training (the lr range test of `lr: auto`). */
  readonly training: readonly ReportSection[];
  /** From the config's `evaluation.report` evaluator. */
  readonly evaluation: readonly ReportSection[];
}

/** One `peftkit eval --data` of a run, as stored in `<run>/evals/` for its report. */
export interface StoredEvalRun {
  readonly at: string;
  readonly data: string;
  readonly split: string | null;
  readonly examples: number | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly classification: ClassificationAnalysis | null;
  /** Optimizer steps the run had when it was evaluated (a later `--resume` may train it further). */
  readonly step?: number | null;
}

/** Files of the run report beside the Trainer's. */
export const REPORT_FILES = {
  /** `StoredReportSections`. */
  sections: 'report-sections.json',
  /** One `StoredEvalRun` JSON per `peftkit eval --data` run. */
  evalsDir: 'evals',
} as const;

/** The resolved config and label set of a run, as a report section. */
export function configSection(manifest: Pick<RunManifest, 'config' | 'labels'>): ReportSection {
  const labels = manifest.labels;
  return {
    title: 'Resolved config',
    rows: labels ? [['labels', `${labels.join(', ')} (${labels.length})`]] : [],
    text: toYaml(manifest.config, { lineWidth: 0 }).trimEnd(),
    figures: [],
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    // A damaged side file loses its section, not the report.
    return undefined;
  }
}

/** The stored sections of a run (empty when it has none). */
export async function readReportSections(runDir: string): Promise<StoredReportSections> {
  const s = await readJson<Partial<StoredReportSections>>(path.join(runDir, REPORT_FILES.sections));
  return { training: s?.training ?? [], evaluation: s?.evaluation ?? [] };
}

export async function writeReportSections(runDir: string, s: StoredReportSections): Promise<void> {
  await writeJsonAtomic(path.join(runDir, REPORT_FILES.sections), s);
}

/**
 * Stores one `peftkit eval --data` result in `<run>/evals/` (named by time and data, never
 * replacing an earlier one) and returns its path.
 */
export async function storeEvalRun(runDir: string, r: StoredEvalRun): Promise<string> {
  const dir = path.join(runDir, REPORT_FILES.evalsDir);
  await fs.mkdir(dir, { recursive: true });
  const slug = path
    .basename(r.data)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 40);
  const stamp = r.at.replace(/[:.]/g, '-');
  let file = path.join(dir, `${stamp}-${slug}${r.split ? `-${r.split}` : ''}.json`);
  for (
    let n = 2;
    await fs.access(file).then(
      () => true,
      () => false,
    );
    n++
  ) {
    file = file.replace(/(-\d+)?\.json$/, `-${n}.json`);
  }
  await writeJsonAtomic(file, r);
  return file;
}

function evalRunSection(r: StoredEvalRun): ReportSection {
  const when = typeof r.step === 'number' ? `step ${r.step}, ${r.at}` : r.at;
  const title = `peftkit eval: ${r.data}${r.split ? ` [${r.split}]` : ''} (${when})`;
  const rows: [string, string][] = Object.entries(r.metrics).map(([k, v]) => [k, formatNumber(v)]);
  if (r.classification) return classificationSection(r.classification, title, rows);
  return { title, rows: [...rows, ['examples', String(r.examples ?? '?')]], figures: [] };
}

/**
 * Renders `<run>/report.html` from the run's files: the training charts and summary
 * (`metrics.jsonl`, `summary.json`), the last training evaluation's confusion matrix, per-class
 * scores and ROC/PR curves (`classification.json`), the stored training and evaluator sections,
 * one section per `peftkit eval --data` run (`evals/*.json`, oldest first) and the resolved
 * config with its label set. Does nothing when the directory has no `metrics.jsonl` (a merged
 * checkpoint or a foreign adapter). Returns whether it wrote the report.
 */
export async function renderRunReport(runDir: string): Promise<boolean> {
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  if (
    !(await fs.access(metricsFile).then(
      () => true,
      () => false,
    ))
  )
    return false;
  const records = await MetricsLog.read(metricsFile);
  const summary = await readJson<TrainSummary>(path.join(runDir, 'summary.json'));
  const manifest = await readJson<RunManifest>(path.join(runDir, RUN_FILES.manifest));
  const analysis = await readJson<ClassificationAnalysis>(path.join(runDir, CLASSIFICATION_FILE));
  const stored = await readReportSections(runDir);
  const evalDir = path.join(runDir, REPORT_FILES.evalsDir);
  const evalFiles = (await fs.readdir(evalDir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.json'))
    .sort();
  const evalRuns: StoredEvalRun[] = [];
  for (const f of evalFiles) {
    const r = await readJson<StoredEvalRun>(path.join(evalDir, f));
    if (r?.metrics) evalRuns.push(r);
  }
  await writeReport(path.join(runDir, 'report.html'), {
    title: path.basename(runDir),
    records,
    ...(summary ? { summary } : {}),
    sections: [
      ...(analysis ? [classificationSection(analysis, FINAL_EVALUATION_TITLE)] : []),
      ...stored.training,
      ...stored.evaluation,
      ...evalRuns.map(evalRunSection),
      ...(manifest?.config ? [configSection(manifest)] : []),
    ],
  });
  return true;
}

/**
 * Adds one `peftkit eval --data` result to a peftkit run's report: stores it in `<run>/evals/`
 * and renders `report.html` again. Returns the report's path, or undefined when `runDir` is not
 * a trained peftkit run (a merged checkpoint, a foreign adapter): nothing is written there.
 */
export async function addEvalRunToReport(runDir: string, r: StoredEvalRun): Promise<string | undefined> {
  const isRun = await Promise.all(
    [RUN_FILES.manifest, 'metrics.jsonl'].map((f) =>
      fs.access(path.join(runDir, f)).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!isRun.every(Boolean)) return undefined;
  const summary = await readJson<Partial<TrainSummary>>(path.join(runDir, 'summary.json'));
  await storeEvalRun(runDir, { ...r, step: typeof summary?.steps === 'number' ? summary.steps : null });
  await renderRunReport(runDir);
  return path.join(runDir, 'report.html');
}
