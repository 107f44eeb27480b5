import { type DemoReportText, renderDemoMarkdown, renderDemoText, weightsNote } from '../report-text.js';
import { methodTable, pct } from '../table.js';
import type { VisionDemoReport } from './pipeline.js';
import { METRIC_COLUMNS } from './report.js';
import type { ScannerProfile } from './scanner.js';

export function describeScanner(s: ScannerProfile): string {
  return [
    `rotated ${s.rotateDeg}° ± ${s.rotateJitterDeg}°`,
    `Gaussian blur σ=${s.blurSigma} px`,
    `gamma ${s.gamma}`,
    s.invert ? 'inverted polarity' : undefined,
    `read-out noise σ=${s.noiseStd}`,
    '8-bit',
  ]
    .filter(Boolean)
    .join(', ');
}

function facts(r: VisionDemoReport): string[] {
  const b = r.budget;
  const { train, val, test } = r.target.counts;
  return [
    `base: tiny ResNet pretrained ${r.source.steps} steps on the mnist package's train digits (${r.source.trainSeconds.toFixed(1)} s): ${pct(r.source.accuracy)} on its test digits`,
    `scanner B: the same test digits ${describeScanner(r.scanner)}; ${train} train / ${val} val / ${test} test images`,
    `adaptation: ${b.adaptSteps} steps of batch ${b.batchSize} per method, seed ${b.seed}; accuracy and macro-F1 on the held-out test split`,
  ];
}

function reportText(r: VisionDemoReport): DemoReportText {
  return {
    title: 'a hospital adapts a digit classifier to its new scanner',
    facts: facts(r),
    table: methodTable(r.results, METRIC_COLUMNS),
    machine: r.machine,
    wallTimeSeconds: r.wallTimeSeconds,
    date: r.date,
    notes: [
      ...weightsNote('zero-shot and full fine-tuning'),
      'See [vision.md](vision.md#demo) for the story and what the numbers do and do not show.',
    ],
    commands: [r.source.command, ...r.results.flatMap((x) => (x.command ? [x.command] : []))],
  };
}

/** What `pnpm demo vision` prints on stdout. */
export const renderText = (r: VisionDemoReport) => renderDemoText('peftkit vision demo', reportText(r));

/** The demo's section of docs/results.md. */
export const renderMarkdown = (r: VisionDemoReport, command: string) =>
  renderDemoMarkdown('Vision', reportText(r), command);
