import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { Rng } from '../runtime/random.js';
import type { ClassificationAnalysis } from '../train/report/classification-analysis.js';
import { formatNumber } from '../train/report/format.js';
import { captureOutput } from './capture-output.js';
import { runCli } from './main.js';

/**
 * report.html of a trained toy run (issue 16 item 7): valid HTML, the resolved config and label
 * set, the last evaluation's confusion matrix and per-class scores, ROC/PR curves, and one section
 * per `peftkit eval`, with numbers checked against predictions made independently with `predict`.
 */
async function ok(argv: string[]): Promise<Record<string, unknown>> {
  const r = await captureOutput(() =>
    runCli([argv[0] as string, '--json', ...argv.slice(1)], { plugins: [toyPlugin], discover: false }),
  );
  if (r.result !== 0) throw new Error(`exit ${r.result}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/**
 * Problems of an HTML document: parse5's parse errors (the tokenizer-level errors of the HTML
 * standard) plus misnested or unclosed elements, which parse5 silently repairs.
 */
function htmlErrors(html: string): string[] {
  const errors: string[] = [];
  parse(html, { onParseError: (e) => errors.push(`${e.code} at line ${e.startLine}`) });
  const open: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<!doctype html>/i, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClosing] = m as unknown as [string, string, string, string];
    if (VOID.has(name) || selfClosing) continue;
    if (!close) open.push(name);
    else if (open.pop() !== name) errors.push(`</${name}> closes another element`);
  }
  if (open.length) errors.push(`unclosed: ${open.join(', ')}`);
  return errors;
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** The `<section>` whose heading starts with `title`. */
function sectionOf(html: string, title: string): string {
  const start = html.indexOf(`<h2>${title}`);
  expect(start, `section '${title}'`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
}

/** The body cells of the table captioned `caption` inside `section`, row by row. */
function tableRows(section: string, caption: string): string[][] {
  const start = section.indexOf(`<caption>${caption}`);
  expect(start, `table '${caption}'`).toBeGreaterThan(-1);
  const body = section.slice(section.indexOf('<tbody>', start), section.indexOf('</tbody>', start));
  return [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] as string).matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1] as string),
  );
}

/** The points `toy:<n>?<seed>` reads (the toy reader's generator), with their labels. */
function toyPoints(n: number, seed: number): { x: [number, number]; label: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x: [number, number] = [rng.normal(0, 1), rng.normal(0, 1)];
    return { x, label: x[0] + x[1] > 0 ? 1 : 0 };
  });
}

/** ROC AUC as the probability that a positive outscores a negative (ties count half). */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

let tmp: string;
let run: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-report-'));
  run = path.join(tmp, 'run');
  await ok(['train', '--preset', 'toy/basic', '--data', 'toy:200', '--out', run, '--max-steps', '12']);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('report.html of a classification run', () => {
  it('is valid HTML with the final evaluation, its label set and the resolved config', async () => {
    const html = await fs.readFile(path.join(run, 'report.html'), 'utf8');
    expect(htmlErrors(html)).toEqual([]);
    const analysis = JSON.parse(
      await fs.readFile(path.join(run, 'classification.json'), 'utf8'),
    ) as ClassificationAnalysis;
    const summary = JSON.parse(await fs.readFile(path.join(run, 'summary.json'), 'utf8'));
    // The stored analysis is the last evaluation the summary reports.
    const total = analysis.confusion.flat().reduce((a, b) => a + b, 0);
    const diagonal = analysis.confusion.reduce((a, row, i) => a + (row[i] as number), 0);
    expect(total).toBe(20);
    expect(diagonal / total).toBeCloseTo(summary.finalMetrics.accuracy, 12);
    const final = sectionOf(html, 'Final evaluation');
    expect(text(final)).toContain('labels neg, pos (2)');
    expect(tableRows(final, 'Confusion matrix')).toEqual(
      analysis.confusion.map((row, i) => [analysis.labels[i], ...row.map(String)]),
    );
    expect(final).toContain('<svg');
    expect(final).toMatch(/ROC curve of class pos; AUC: /);
    const config = sectionOf(html, 'Resolved config');
    expect(config).toContain('preset: toy/basic');
    expect(config).toContain('peftType: LORA');
    expect(config).toContain('maxSteps: 12');
  });

  it('peftkit eval adds a section whose numbers match predictions made independently', async () => {
    const points = toyPoints(60, 7);
    const r = await ok(['eval', '--adapter', run, '--data', 'toy:60?7']);
    expect(r['report']).toBe(path.join(run, 'report.html'));
    // The same points through `predict`: the confusion matrix, F1 and AUC follow from its answers.
    const predicted = (await ok(['predict', '--adapter', run, '--', ...points.map((p) => p.x.join(','))]))[
      'predictions'
    ] as { label: string; probabilities: Record<string, number> }[];
    const confusion = [
      [0, 0],
      [0, 0],
    ];
    for (const [i, p] of points.entries())
      (confusion[p.label] as number[])[predicted[i]!.label === 'pos' ? 1 : 0]! += 1;
    const html = await fs.readFile(path.join(run, 'report.html'), 'utf8');
    expect(htmlErrors(html)).toEqual([]);
    const section = sectionOf(html, 'peftkit eval: toy:60?7 (step 12, ');
    expect(tableRows(section, 'Confusion matrix')).toEqual([
      ['neg', ...(confusion[0] as number[]).map(String)],
      ['pos', ...(confusion[1] as number[]).map(String)],
    ]);
    const [tn, fp] = confusion[0] as [number, number];
    const [fn, tp] = confusion[1] as [number, number];
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    const f1 = (2 * precision * recall) / (precision + recall);
    const posRow = tableRows(section, 'Per-class').find((row) => row[0] === 'pos');
    expect(posRow).toEqual(['pos', precision.toFixed(3), recall.toFixed(3), f1.toFixed(3), String(tp + fn)]);
    expect(tableRows(section, 'Per-class').at(-1)?.[0]).toBe('macro average');
    const auc = pairwiseAuc(
      predicted.map((p) => p.probabilities['pos'] as number),
      points.map((p) => p.label),
    );
    const stored = (r['classification'] as ClassificationAnalysis).curves;
    expect(stored.map((c) => c.label)).toEqual(['pos']);
    expect(stored[0]!.auc).toBeCloseTo(auc, 6);
    expect(section).toContain('Precision-recall curve of class pos; average precision: ');
    expect(text(section)).toContain(`accuracy ${formatNumber((tn + tp) / 60)}`);
    // The training sections are still there, and a second eval adds a second section.
    expect(html).toContain('<h2>Final evaluation');
    expect(html).toContain('<h2>Resolved config');
    await ok(['eval', '--adapter', run, '--data', 'toy:30?8']);
    const again = await fs.readFile(path.join(run, 'report.html'), 'utf8');
    expect(again.match(/<h2>peftkit eval: /g)).toHaveLength(2);
    expect(again.indexOf('toy:60?7')).toBeLessThan(again.indexOf('toy:30?8'));
  });

  it('eval of a merged checkpoint reports no report and writes nothing into it', async () => {
    const merged = path.join(tmp, 'merged');
    await ok(['merge', '--adapter', run, '--out', merged]);
    const before = (await fs.readdir(merged)).sort();
    const r = await ok(['eval', '--adapter', merged, '--data', 'toy:16?9']);
    expect(r['report']).toBeNull();
    expect((await fs.readdir(merged)).sort()).toEqual(before);
  });
});
