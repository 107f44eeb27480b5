import { type ChartSeries, svgLineChart } from '../report/svg-line-chart.js';
import type { LrFinderResult } from './find-lr.js';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The smoothed loss curve as one line of block characters (low loss = low bar), with a caret
 * line under it marking the chosen learning rate. Values above 2x the first loss are clipped so
 * the divergent tail does not flatten the interesting part.
 */
export function lrCurveSparkline(r: LrFinderResult, width = 60): string {
  const n = r.smoothed.length;
  const cols = Math.min(width, n);
  const pick = (c: number) => Math.min(n - 1, Math.round((c * (n - 1)) / Math.max(1, cols - 1)));
  const cap = 2 * Math.abs(r.smoothed[0]!);
  const values = Array.from({ length: cols }, (_, c) => Math.min(r.smoothed[pick(c)]!, cap));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const bar = values
    .map((v) => BARS[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1)) : 0])
    .join('');
  let mark = 0;
  for (let c = 0; c < cols; c++)
    if (Math.abs(pick(c) - r.suggestion.index) < Math.abs(pick(mark) - r.suggestion.index)) mark = c;
  const caret = `${' '.repeat(mark)}^ ${r.suggestion.rule === 'edge' ? 'loss starts rising (chosen lr = a tenth)' : 'chosen'}`;
  return `${bar}\n${caret}\n${r.lrs[0]!.toExponential(0)}${' '.repeat(Math.max(1, cols - 12))}${r.lrs[n - 1]!.toExponential(0)}`;
}

/** About `rows` evenly spaced points of the curve as `[lr, loss, smoothed]`, plus the chosen one. */
export function lrCurveRows(r: LrFinderResult, rows = 10): [number, number, number][] {
  const n = r.lrs.length;
  const idx = new Set<number>();
  for (let k = 0; k < rows; k++) idx.add(Math.round((k * (n - 1)) / Math.max(1, rows - 1)));
  idx.add(r.suggestion.index);
  return [...idx].sort((a, b) => a - b).map((i) => [r.lrs[i]!, r.losses[i]!, r.smoothed[i]!]);
}

/**
 * The range test as a self-contained SVG: raw and smoothed loss against log10 of the learning
 * rate, with a vertical line at the chosen learning rate.
 */
export function lrCurveSvg(r: LrFinderResult, title = 'Learning-rate range test'): string {
  const x = r.lrs.map((v) => Math.log10(v));
  const cap = 2 * Math.max(...r.smoothed.slice(0, Math.max(1, Math.ceil(r.smoothed.length / 10))));
  const clip = (v: number): number | null => (Number.isFinite(v) && v <= cap ? v : null);
  const finite = r.smoothed.filter((v) => Number.isFinite(v) && v <= cap);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const at = Math.log10(r.suggestion.lr);
  const series: ChartSeries[] = [
    { name: 'loss', points: x.map((v, i) => [v, clip(r.losses[i]!)]), color: '#BBBBBB' },
    { name: 'smoothed loss', points: x.map((v, i) => [v, clip(r.smoothed[i]!)]), color: '#0072B2' },
    {
      name: `chosen ${r.suggestion.lr.toExponential(1)}`,
      points: [
        [at, lo],
        [at, hi],
      ],
      color: '#D55E00',
    },
  ];
  return svgLineChart({
    title,
    xLabel: 'log10 learning rate',
    yLabel: 'training loss',
    series,
    markers: false,
  });
}
