import { escapeXml, formatNumber } from './format.js';

/** One line: `[x, y]` points in x order; a null/NaN/infinite y breaks the line (a gap). */
export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number | null])[];
  /** CSS colour; default from a colour-blind-safe palette. */
  color?: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Draw a dot at every point (default: when a series has at most 60 points). */
  markers?: boolean;
}

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/**
 * Up to about `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power
 * of ten). A degenerate range is widened so there is always something to draw.
 */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; lo: number; hi: number } {
  let lo = min;
  let hi = max;
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, lo: first, hi: last };
}

const isFiniteY = (y: number | null): y is number => y !== null && Number.isFinite(y);

/**
 * A self-contained SVG line chart (no scripts, no external assets): axes with round ticks,
 * axis labels, a title, a legend when there are several series, and one `<path>` per series
 * whose `d` has one `M`/`L` command per finite point (a gap starts a new `M`).
 *
 * @example
 * const svg = svgLineChart({ title: 'Loss', xLabel: 'step', yLabel: 'loss',
 *   series: [{ name: 'train', points: [[1, 0.9], [2, 0.7]] }] });
 */
export function svgLineChart(o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 300;
  const m = { left: 64, right: 16, top: 34, bottom: 46 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !isFiniteY(y)) continue;
      xs.push(x);
      ys.push(y);
    }
  }
  const xt = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, 6);
  const yt = niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1, 5);
  const px = (x: number) => m.left + ((x - xt.lo) / (xt.hi - xt.lo)) * plotW;
  const py = (y: number) => m.top + plotH - ((y - yt.lo) / (yt.hi - yt.lo)) * plotH;
  const r = (v: number) => v.toFixed(1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<text x="${m.left}" y="18" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`,
  );
  // Grid and tick labels.
  for (const v of yt.ticks) {
    const y = r(py(v));
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text class="tick y" x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatNumber(v))}</text>`,
    );
  }
  for (const v of xt.ticks) {
    const x = r(px(v));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + plotH}" stroke="#f0f0f0"/>`,
      `<text class="tick x" x="${x}" y="${m.top + plotH + 16}" text-anchor="middle">${escapeXml(formatNumber(v))}</text>`,
    );
  }
  // Axes and their labels.
  parts.push(
    `<path class="axis" d="M${m.left},${m.top}V${m.top + plotH}H${m.left + plotW}" fill="none" stroke="#333"/>`,
    `<text class="axis-label x" x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text class="axis-label y" transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    let d = '';
    let penDown = false;
    const dots: string[] = [];
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !isFiniteY(y)) {
        penDown = false;
        continue;
      }
      d += `${penDown ? 'L' : 'M'}${r(px(x))},${r(py(y))}`;
      penDown = true;
      dots.push(`<circle cx="${r(px(x))}" cy="${r(py(y))}" r="2.5" fill="${color}"/>`);
    }
    const markers = o.markers ?? s.points.length <= 60;
    parts.push(
      `<path class="series" data-name="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.6" stroke-linejoin="round"/>`,
    );
    if (markers) parts.push(...dots);
    if (o.series.length > 1) {
      const lx = m.left + plotW - 130;
      const ly = m.top + 12 + i * 14;
      parts.push(
        `<line x1="${lx}" x2="${lx + 16}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
        `<text class="legend" x="${lx + 20}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
      );
    }
  });
  if (xs.length === 0) {
    parts.push(
      `<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle" fill="#888">no data</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
