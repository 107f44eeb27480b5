import { describe, expect, it } from 'vitest';
import { niceTicks, svgLineChart } from './svg-line-chart.js';

/** The `d` attribute of each series path, by series name. */
function seriesPaths(svg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of svg.matchAll(/<path class="series" data-name="([^"]*)" d="([^"]*)"/g))
    out.set(m[1]!, m[2]!);
  return out;
}

const commands = (d: string) => d.match(/[ML]/g) ?? [];

describe('svgLineChart', () => {
  it('draws one path command per point, with axis labels, ticks and a title', () => {
    const points = Array.from({ length: 25 }, (_, i) => [i + 1, 1 / (i + 1)] as const);
    const svg = svgLineChart({
      title: 'Loss',
      xLabel: 'step',
      yLabel: 'loss',
      series: [{ name: 'train', points }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const d = seriesPaths(svg).get('train')!;
    expect(commands(d)).toHaveLength(25);
    expect(commands(d).filter((c) => c === 'M')).toHaveLength(1);
    expect(svg).toContain('>step</text>');
    expect(svg).toContain('>loss</text>');
    expect(svg).toContain('<title>Loss</title>');
    const xTicks = [...svg.matchAll(/class="tick x"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
    const yTicks = [...svg.matchAll(/class="tick y"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
    expect(xTicks[0]).toBeLessThanOrEqual(1);
    expect(xTicks.at(-1)).toBeGreaterThanOrEqual(25);
    expect(yTicks[0]).toBeLessThanOrEqual(0.04);
    expect(yTicks.at(-1)).toBeGreaterThanOrEqual(1);
    // Points map inside the plot area: x of the first point is the left edge plus its offset.
    const firstX = Number(/M([\d.]+),/.exec(d)![1]);
    expect(firstX).toBeGreaterThanOrEqual(64);
  });

  it('breaks the line at NaN/null values and keeps several series apart with a legend', () => {
    const svg = svgLineChart({
      title: 'Loss',
      xLabel: 'step',
      yLabel: 'loss',
      series: [
        {
          name: 'train',
          points: [
            [1, 3],
            [2, 2],
            [3, Number.NaN],
            [4, 1],
            [5, null],
            [6, 0.5],
            [7, 0.4],
          ],
        },
        {
          name: 'eval <b>',
          points: [
            [2, 2.5],
            [7, 1],
          ],
        },
      ],
    });
    const paths = seriesPaths(svg);
    const train = paths.get('train')!;
    expect(commands(train)).toEqual(['M', 'L', 'M', 'M', 'L']);
    expect(commands(paths.get('eval &#60;b&#62;')!)).toEqual(['M', 'L']);
    expect(svg).toContain('class="legend"');
    expect(svg).not.toContain('<b>');
  });

  it('handles a single value and no data', () => {
    const one = svgLineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 's', points: [[5, 2]] }],
    });
    expect(commands(seriesPaths(one).get('s')!)).toEqual(['M']);
    expect(one).toContain('<circle');
    const none = svgLineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] });
    expect(none).toContain('no data');
    expect(none).not.toContain('NaN');
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 5).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    const t = niceTicks(0.00012, 0.00031, 4);
    expect(t.lo).toBeLessThanOrEqual(0.00012);
    expect(t.hi).toBeGreaterThanOrEqual(0.00031);
    expect(niceTicks(2, 2).ticks.length).toBeGreaterThan(1);
  });
});
