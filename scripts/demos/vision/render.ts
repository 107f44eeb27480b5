import { describeMachine } from '../machine.js';
import type { VisionDemoReport } from './pipeline.js';
import { markdownTable, TABLE_HEADER, tableRows, textTable } from './report.js';
import type { ScannerProfile } from './scanner.js';

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);

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

/** What `pnpm demo vision` prints on stdout. */
export function renderText(r: VisionDemoReport): string {
  return [
    'peftkit vision demo: a hospital adapts a digit classifier to its new scanner',
    '',
    ...facts(r),
    '',
    textTable(TABLE_HEADER, tableRows(r.results)),
    '',
    `machine: ${describeMachine(r.machine)}`,
    `total wall time: ${r.wallTimeSeconds.toFixed(1)} s`,
  ].join('\n');
}

/** The demo's section of docs/results.md. */
export function renderMarkdown(r: VisionDemoReport, command: string): string {
  const commands = [r.source.command, ...r.results.flatMap((x) => (x.command ? [x.command] : []))];
  return [
    '## Vision: a hospital adapts a digit classifier to its new scanner',
    '',
    `- command: \`${command}\``,
    `- date: ${r.date}`,
    `- machine: ${describeMachine(r.machine)}`,
    `- total wall time: ${r.wallTimeSeconds.toFixed(1)} s`,
    ...facts(r).map((f) => `- ${f}`),
    '',
    markdownTable(TABLE_HEADER, tableRows(r.results)),
    '',
    '"weights file" is what each method adds on top of the shared base: `adapter_model.safetensors`',
    'for adapters and the linear probe, the whole checkpoint (`model.safetensors` + `head.safetensors`)',
    'for zero-shot and full fine-tuning. "train time" is the whole `train` run: data, model, training',
    'and saving. See [vision.md](vision.md#demo) for the story and what the numbers do and do not show.',
    '',
    '<details><summary>The same steps with the CLI</summary>',
    '',
    '```sh',
    ...commands,
    '```',
    '',
    '</details>',
  ].join('\n');
}
