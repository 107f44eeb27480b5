import type { ClassificationAnalysis } from './classification-analysis.js';
import { formatNumber } from './format.js';
import type { ReportFigure, ReportSection } from './html-report.js';
import { svgLineChart } from './svg-line-chart.js';

const pct = (v: number): string => v.toFixed(3);

/**
 * A report section for a classification evaluation: the label set, the confusion matrix,
 * per-class precision/recall/F1 with macro averages, and ROC and precision-recall curves (one
 * line per class, one-vs-rest; the positive class for binary tasks) when the head gave scores.
 */
export function classificationSection(
  a: ClassificationAnalysis,
  title: string,
  rows: readonly (readonly [string, string])[] = [],
): ReportSection {
  const k = a.labels.length;
  const macro = (f: (c: (typeof a.perClass)[number]) => number) =>
    a.perClass.reduce((s, c) => s + f(c), 0) / Math.max(1, k);
  const figures: ReportFigure[] = [];
  if (a.curves.length) {
    const aucs = a.curves.map((c) => `${c.label} ${formatNumber(c.auc)}`).join(', ');
    figures.push({
      caption: `ROC curve${a.curves.length > 1 ? 's, one-vs-rest' : ` of class ${a.curves[0]!.label}`}; AUC: ${aucs}`,
      svg: svgLineChart({
        title: 'ROC',
        xLabel: 'false positive rate',
        yLabel: 'true positive rate',
        series: [
          ...a.curves.map((c) => ({ name: `${c.label} (AUC ${formatNumber(c.auc)})`, points: c.roc })),
          { name: 'chance', points: [[0, 0] as const, [1, 1] as const], color: '#999999' },
        ],
        markers: false,
      }),
    });
    const aps = a.curves.map((c) => `${c.label} ${formatNumber(c.averagePrecision)}`).join(', ');
    figures.push({
      caption: `Precision-recall curve${a.curves.length > 1 ? 's, one-vs-rest' : ` of class ${a.curves[0]!.label}`}; average precision: ${aps}`,
      svg: svgLineChart({
        title: 'Precision-recall',
        xLabel: 'recall',
        yLabel: 'precision',
        series: a.curves.map((c) => ({
          name: `${c.label} (AP ${formatNumber(c.averagePrecision)})`,
          points: c.pr,
        })),
        markers: false,
      }),
    });
  }
  return {
    title,
    rows: [...rows, ['examples', String(a.examples)], ['labels', `${a.labels.join(', ')} (${k})`]],
    tables: [
      {
        caption: 'Confusion matrix (rows: true class, columns: predicted class)',
        header: ['true \\ predicted', ...a.labels],
        rows: a.labels.map((label, i) => [label, ...a.confusion[i]!.map(String)]),
      },
      {
        caption: 'Per-class precision, recall and F1 (one-vs-rest)',
        header: ['class', 'precision', 'recall', 'F1', 'support'],
        rows: [
          ...a.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)]),
          [
            'macro average',
            pct(macro((c) => c.precision)),
            pct(macro((c) => c.recall)),
            pct(macro((c) => c.f1)),
            String(a.examples),
          ],
        ],
      },
    ],
    figures,
  };
}
