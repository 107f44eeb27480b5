import { niceTicks, svgLineChart } from '@peftkit/core';
import type { RolloutResult } from './run-rollouts.js';
import { type Trajectory, trajectorySignal } from './trajectory.js';

/** One policy's rollouts, as shown in a comparison plot. */
export interface PolicyRun {
  readonly name: string;
  readonly result: RolloutResult;
  /** CSS colour; default from a colour-blind-safe palette. */
  readonly color?: string;
}

/** Okabe-Ito colours (as core's charts), one per policy. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const colorOf = (run: PolicyRun, i: number) => run.color ?? (PALETTE[i % PALETTE.length] as string);

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Seeds of the first `count` recorded episodes of the first run, with each run's trajectory for it. */
function pairedEpisodes(
  runs: readonly PolicyRun[],
  count: number,
): { seed: number; byRun: (Trajectory | undefined)[] }[] {
  if (runs.length === 0) throw new Error('svg plots: no policy runs to plot');
  const first = runs[0] as PolicyRun;
  if (first.result.trajectories.length === 0)
    throw new Error(`svg plots: run '${first.name}' recorded no trajectories (record: false?)`);
  return first.result.trajectories.slice(0, count).map((t) => ({
    seed: t.seed,
    byRun: runs.map((r) => r.result.trajectories.find((u) => u.seed === t.seed)),
  }));
}

/** Stacks SVG documents into one, each translated by its offset. */
function compose(
  width: number,
  height: number,
  title: string,
  parts: { x: number; y: number; svg: string }[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    ...parts.map((p) => `<g transform="translate(${p.x} ${p.y})">\n${p.svg}\n</g>`),
    '</svg>',
  ].join('\n');
}

export interface SignalPlotOptions {
  readonly title: string;
  readonly yLabel: string;
  /** An `info` quantity (`poleAngle`), an observation label (`cartPosition`) or a function of (trajectory, step). */
  readonly signal: string | ((trajectory: Trajectory, step: number) => number);
  /** Episodes to show, one panel each (the first recorded ones, matched across runs by seed). Default 3. */
  readonly episodes?: number;
  /** Break the line where consecutive values jump by more than this (pi for wrapped angles). */
  readonly breakJumps?: number;
  readonly width?: number;
  readonly panelHeight?: number;
}

/** Inserts a gap (null) between consecutive points whose values differ by more than `jump`. */
function withGaps(points: [number, number][], jump: number | undefined): [number, number | null][] {
  if (jump === undefined) return points;
  const out: [number, number | null][] = [];
  points.forEach(([x, y], i) => {
    const prev = points[i - 1];
    if (prev && Math.abs(y - prev[1]) > jump) out.push([(x + prev[0]) / 2, null]);
    out.push([x, y]);
  });
  return out;
}

/**
 * A signal against time for a few seeded episodes, one panel per seed, one line per policy:
 * e.g. the pole angle before and after adaptation. A plain, self-contained SVG string.
 *
 * @example
 * const svg = svgRolloutSignals([{ name: 'before', result: a }, { name: 'after', result: b }],
 *   { title: 'Pole angle', yLabel: 'angle (rad)', signal: 'poleAngle' });
 */
export function svgRolloutSignals(runs: readonly PolicyRun[], o: SignalPlotOptions): string {
  const width = o.width ?? 640;
  const panelHeight = o.panelHeight ?? 220;
  const parts = pairedEpisodes(runs, o.episodes ?? 3).map(({ seed, byRun }, i) => ({
    x: 0,
    y: i * panelHeight,
    svg: svgLineChart({
      title: `${o.title}, seed ${seed}`,
      xLabel: 'time (s)',
      yLabel: o.yLabel,
      width,
      height: panelHeight,
      markers: false,
      series: runs.flatMap((run, r) => {
        const t = byRun[r];
        return t
          ? [
              {
                name: run.name,
                points: withGaps(trajectorySignal(t, o.signal), o.breakJumps),
                color: colorOf(run, r),
              },
            ]
          : [];
      }),
    }),
  }));
  return compose(width, parts.length * panelHeight, o.title, parts);
}

export interface PathPlotOptions {
  readonly title: string;
  /** `info` quantities giving the point's x and y (e.g. `tipX`, `tipY`). */
  readonly x: string;
  readonly y: string;
  /** `info` quantities giving the goal (drawn as a cross, at its last value). */
  readonly goal?: readonly [string, string];
  /** Radius of a circle drawn around the goal (the success tolerance). */
  readonly tolerance?: number;
  /** Radius of the reachable workspace, a dashed circle about the origin; also fixes the axes. */
  readonly reach?: number;
  /** Episodes to show, one panel each. Default 3. */
  readonly episodes?: number;
  /** Panel size in pixels (square, equal axis scales). Default 260. */
  readonly size?: number;
}

/**
 * Paths in the plane (e.g. the reacher's fingertip) for a few seeded episodes, one square
 * panel per seed with equal axis scales, one path per policy, the goal and its tolerance.
 */
export function svgPlanarPaths(runs: readonly PolicyRun[], o: PathPlotOptions): string {
  const size = o.size ?? 260;
  const episodes = pairedEpisodes(runs, o.episodes ?? 3);
  const parts = episodes.map(({ seed, byRun }, i) => ({
    x: i * size,
    y: 0,
    svg: pathPanel(runs, byRun, o, `seed ${seed}`, size),
  }));
  const legendHeight = 18 * runs.length + 8;
  const legend = runs
    .map(
      (run, r) =>
        `<line x1="10" x2="30" y1="${12 + 18 * r}" y2="${12 + 18 * r}" stroke="${colorOf(run, r)}" stroke-width="2"/><text x="36" y="${12 + 18 * r}" dominant-baseline="middle" font-family="system-ui, sans-serif" font-size="11">${escapeXml(run.name)}</text>`,
    )
    .join('\n');
  return compose(Math.max(1, parts.length) * size, size + legendHeight, o.title, [
    ...parts,
    { x: 0, y: size, svg: legend },
  ]);
}

function pathPanel(
  runs: readonly PolicyRun[],
  byRun: readonly (Trajectory | undefined)[],
  o: PathPlotOptions,
  subtitle: string,
  size: number,
): string {
  const m = { left: 44, right: 10, top: 28, bottom: 34 };
  const plot = size - Math.max(m.left + m.right, m.top + m.bottom);
  const paths = byRun.map((t) => (t ? zip(t.info[o.x], t.info[o.y]) : []));
  let lo: number;
  let hi: number;
  if (o.reach !== undefined) {
    lo = -o.reach * 1.05;
    hi = o.reach * 1.05;
  } else {
    const all = paths.flat().flat();
    lo = Math.min(...all, 0);
    hi = Math.max(...all, 0);
  }
  const ticks = niceTicks(lo, hi, 6);
  const scale = plot / (ticks.hi - ticks.lo);
  const px = (x: number) => m.left + (x - ticks.lo) * scale;
  const py = (y: number) => m.top + plot - (y - ticks.lo) * scale;
  const r = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" font-family="system-ui, sans-serif" font-size="10">`,
    `<text x="${m.left}" y="16" font-size="12" font-weight="600">${escapeXml(`${o.title}, ${subtitle}`)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${plot}" height="${plot}" fill="none" stroke="#333"/>`,
  ];
  for (const tick of ticks.ticks) {
    // niceTicks accumulates steps, so the zero tick can come out as ~1e-17.
    const v = Math.abs(tick) < 1e-9 * (ticks.hi - ticks.lo) ? 0 : Number(tick.toPrecision(6));
    out.push(
      `<text x="${r(px(v))}" y="${m.top + plot + 14}" text-anchor="middle">${v}</text>`,
      `<text x="${m.left - 4}" y="${r(py(v))}" text-anchor="end" dominant-baseline="middle">${v}</text>`,
    );
  }
  if (o.reach !== undefined) {
    out.push(
      `<circle class="reach" cx="${r(px(0))}" cy="${r(py(0))}" r="${r(o.reach * scale)}" fill="none" stroke="#bbb" stroke-dasharray="4 3"/>`,
    );
  }
  const goalTrajectory = byRun.find((t) => t !== undefined);
  if (o.goal && goalTrajectory) {
    const gx = goalTrajectory.info[o.goal[0]]?.at(-1);
    const gy = goalTrajectory.info[o.goal[1]]?.at(-1);
    if (gx !== undefined && gy !== undefined) {
      const cx = px(gx);
      const cy = py(gy);
      if (o.tolerance !== undefined) {
        out.push(
          `<circle class="tolerance" cx="${r(cx)}" cy="${r(cy)}" r="${r(o.tolerance * scale)}" fill="#009E7322" stroke="#009E73"/>`,
        );
      }
      out.push(
        `<path class="goal" d="M${r(cx - 5)},${r(cy - 5)}L${r(cx + 5)},${r(cy + 5)}M${r(cx - 5)},${r(cy + 5)}L${r(cx + 5)},${r(cy - 5)}" stroke="#000" stroke-width="1.5"/>`,
      );
    }
  }
  paths.forEach((points, i) => {
    if (points.length === 0) return;
    const run = runs[i] as PolicyRun;
    const d = points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${r(px(x))},${r(py(y))}`).join('');
    const [sx, sy] = points[0] as [number, number];
    out.push(
      `<path class="series" data-name="${escapeXml(run.name)}" d="${d}" fill="none" stroke="${colorOf(run, i)}" stroke-width="1.5"/>`,
      `<circle cx="${r(px(sx))}" cy="${r(py(sy))}" r="2.5" fill="${colorOf(run, i)}"/>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

function zip(xs: readonly number[] | undefined, ys: readonly number[] | undefined): [number, number][] {
  if (!xs || !ys) return [];
  return xs.map((x, i) => [x, ys[i] as number]);
}
