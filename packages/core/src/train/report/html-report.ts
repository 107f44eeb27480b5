import { writeFileAtomic } from '../../io/atomic-write.js';
import { escapeXml, formatDuration, formatNumber } from './format.js';
import type { EvalRecord, MetricsRecord, TrainRecord } from './metrics-log.js';
import type { TrainSummary } from './summary.js';
import { type ChartSeries, svgLineChart } from './svg-line-chart.js';

/** A figure in a report section: an inline SVG document and its caption. */
export interface ReportFigure {
  readonly caption: string;
  /** A complete `<svg>...</svg>` element (no scripts; it is embedded as is). */
  readonly svg: string;
}

/** A table in a report section (a confusion matrix, per-class scores). Cells are plain text. */
export interface ReportTable {
  readonly caption: string;
  /** Column headings; the first names the row-heading column. */
  readonly header: readonly string[];
  /** Rows; each row's first cell is its heading. */
  readonly rows: readonly (readonly string[])[];
}

/** A section after the training charts, e.g. an evaluation's plots (rollouts, confusion matrices). */
export interface ReportSection {
  readonly title: string;
  /** Name/value rows shown above the figures (metrics). */
  readonly rows?: readonly (readonly [string, string])[];
  /** Tables after the rows. */
  readonly tables?: readonly ReportTable[];
  /** Preformatted text after the tables (a resolved config), shown in a monospace block. */
  readonly text?: string;
  readonly figures: readonly ReportFigure[];
}

export interface ReportInput {
  title: string;
  records: readonly MetricsRecord[];
  /** Absent while training is still running (the report is refreshed at checkpoints). */
  summary?: TrainSummary;
  /** Extra sections after the training charts. */
  sections?: readonly ReportSection[];
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);

/**
 * `report.html`: one self-contained page (inline CSS and SVG, no scripts or network) with the
 * run summary and line charts of train/eval loss, learning rate, gradient norm and every eval
 * metric against the optimizer step. Open it in any browser.
 *
 * @example
 * await writeFile('report.html', renderReportHtml({ title: 'sentiment LoRA', records, summary }));
 */
export function renderReportHtml(input: ReportInput): string {
  const train = input.records.filter((r): r is TrainRecord => r.type === 'train');
  const evals = input.records.filter((r): r is EvalRecord => r.type === 'eval');
  const charts: string[] = [];
  const lossSeries: ChartSeries[] = [{ name: 'train loss', points: train.map((r) => [r.step, num(r.loss)]) }];
  if (evals.some((e) => 'loss' in e.metrics)) {
    lossSeries.push({ name: 'eval loss', points: evals.map((e) => [e.step, num(e.metrics['loss'])]) });
  }
  charts.push(svgLineChart({ title: 'Loss', xLabel: 'step', yLabel: 'loss', series: lossSeries }));
  charts.push(
    svgLineChart({
      title: 'Learning rate',
      xLabel: 'step',
      yLabel: 'lr',
      series: [{ name: 'lr', points: train.map((r) => [r.step, num(r.lr)]) }],
    }),
  );
  charts.push(
    svgLineChart({
      title: 'Gradient norm (before clipping)',
      xLabel: 'step',
      yLabel: 'global L2 norm',
      series: [{ name: 'grad norm', points: train.map((r) => [r.step, num(r.gradNorm)]) }],
    }),
  );
  const metricNames = [...new Set(evals.flatMap((e) => Object.keys(e.metrics)))].filter((k) => k !== 'loss');
  for (const name of metricNames) {
    charts.push(
      svgLineChart({
        title: `Eval ${name}`,
        xLabel: 'step',
        yLabel: name,
        series: [{ name, points: evals.map((e) => [e.step, num(e.metrics[name])]) }],
      }),
    );
  }
  const rows = input.summary ? summaryRows(input.summary) : [['status', 'running']];
  const table = rows
    .map(([k, v]) => `<tr><th>${escapeXml(k as string)}</th><td>${escapeXml(v as string)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(input.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 20px; }
table { border-collapse: collapse; margin-bottom: 24px; }
th, td { text-align: left; padding: 3px 12px 3px 0; font-size: 13px; vertical-align: top; }
th { color: #555; font-weight: 500; }
.warning { border: 2px solid #D55E00; background: #fff3ec; padding: 8px 12px; margin-bottom: 16px; font-size: 14px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { border: 1px solid #ddd; border-radius: 4px; background: #fff; }
h2 { font-size: 16px; margin-top: 32px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #555; }
table.grid td, table.grid th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.grid tbody th, table.grid thead th:first-child { text-align: left; }
caption { text-align: left; font-size: 13px; font-weight: 600; padding-bottom: 4px; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 8px 12px; font-size: 12px; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
${renderWarnings(input.summary)}<table>
${table}
</table>
<div class="charts">
${charts.join('\n')}
</div>
${(input.sections ?? []).map(renderSection).join('\n')}
</body>
</html>
`;
}

/** Warnings first and loud: a run that learned nothing must not look like a success. */
function renderWarnings(s: TrainSummary | undefined): string {
  const warnings = s?.warnings ?? [];
  return warnings
    .map((w) => `<div class="warning" role="alert"><strong>Warning:</strong> ${escapeXml(w.message)}</div>\n`)
    .join('');
}

function renderSection(s: ReportSection): string {
  const rows = (s.rows ?? [])
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('\n');
  const figures = s.figures
    .map(
      (f) =>
        `<figure>\n${stripXmlDeclaration(f.svg)}\n<figcaption>${escapeXml(f.caption)}</figcaption>\n</figure>`,
    )
    .join('\n');
  const tables = (s.tables ?? []).map(renderTable).join('');
  const text = s.text === undefined ? '' : `<pre>${escapeXml(s.text)}</pre>\n`;
  const charts = figures ? `<div class="charts">\n${figures}\n</div>` : '';
  return `<section>\n<h2>${escapeXml(s.title)}</h2>\n${rows ? `<table>\n${rows}\n</table>\n` : ''}${tables}${text}${charts}\n</section>`;
}

function renderTable(t: ReportTable): string {
  const head = t.header.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('');
  const body = t.rows
    .map(
      ([first = '', ...rest]) =>
        `<tr><th scope="row">${escapeXml(first)}</th>${rest.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table class="grid">\n<caption>${escapeXml(t.caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>\n`;
}

/** An `<?xml ...?>` prolog is valid in a file, not inside HTML. */
function stripXmlDeclaration(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*\?>\s*/, '');
}

function summaryRows(s: TrainSummary): [string, string][] {
  const rows: [string, string][] = [
    ['result', `${s.reason}${s.stoppedEarly ? ' (stopped early)' : ''}: ${s.message}`],
    ['steps', String(s.steps)],
    ['epochs', s.epochs.toFixed(2)],
    ['wall time', formatDuration(s.wallTimeSeconds)],
    [
      'parameters',
      `${s.trainableParameters.toLocaleString('en-US')} trainable of ${s.totalParameters.toLocaleString('en-US')} ` +
        `(${((100 * s.trainableParameters) / Math.max(1, s.totalParameters)).toFixed(3)}%)`,
    ],
    ['backend', s.backend],
    ['peak tensor memory', `${(s.peakTensorBytes / 2 ** 20).toFixed(2)} MiB`],
    ['optimizer state', `${(s.optimizerStateBytes / 2 ** 10).toFixed(1)} KiB`],
  ];
  if (s.bestMetric) {
    rows.push([
      'best',
      `${s.bestMetric.name} = ${formatNumber(s.bestMetric.value)} at step ${s.bestMetric.step}`,
    ]);
  }
  if (s.finalMetrics) {
    const text = Object.entries(s.finalMetrics)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join(', ');
    rows.push(['final eval', text]);
  }
  if (s.finalTrainLoss !== null) rows.push(['final train loss', formatNumber(s.finalTrainLoss)]);
  if (s.resumedFromStep !== null) rows.push(['resumed from step', String(s.resumedFromStep)]);
  return rows;
}

/** Writes `report.html` atomically (a browser never sees a half-written page). */
export async function writeReport(file: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(file, renderReportHtml(input));
}
