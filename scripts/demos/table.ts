import type { MethodRow } from './method-row.js';

/** `0.875` as `87.5%`; null or non-finite as `n/a`. */
export const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`;

export function size(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function params(r: MethodRow): string {
  if (r.trainableParameters === null || r.totalParameters === null) return 'n/a';
  const share = (100 * r.trainableParameters) / r.totalParameters;
  return `${r.trainableParameters.toLocaleString('en-US')} (${share < 1 && share > 0 ? share.toFixed(2) : share.toFixed(1)}%)`;
}

/** A column of a demo's own metric. */
export interface MetricColumn<R> {
  readonly header: string;
  readonly cell: (row: R) => string;
}

/**
 * The method table: the method, the demo's metric columns, then what every demo shows (trainable
 * parameters, the weights file, train time). A skipped method says why in its first metric cell.
 * Returns `[header, rows]` for `textTable` / `markdownTable`.
 */
export function methodTable<R extends MethodRow>(
  results: readonly R[],
  metrics: readonly MetricColumn<R>[],
): [header: string[], rows: string[][]] {
  const header = [
    'method',
    ...metrics.map((m) => m.header),
    'trainable params (% of total)',
    'weights file',
    'train time',
  ];
  const rows = results.map((r) =>
    r.status === 'skipped'
      ? [r.label, `skipped: ${r.reason ?? ''}`, ...new Array<string>(header.length - 2).fill('')]
      : [
          r.label,
          ...metrics.map((m) => m.cell(r)),
          params(r),
          size(r.weightBytes),
          r.trainSeconds === null ? 'n/a' : `${r.trainSeconds.toFixed(1)} s`,
        ],
  );
  return [header, rows];
}

/** A plain-text table for the terminal: columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * A GitHub-flavoured markdown table, padded as the repository's formatter (Biome) writes tables,
 * so a freshly written results file passes `pnpm lint`.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapePipes = (c: string) => c.replace(/\|/g, '\\|');
  const all = [header, ...rows].map((r) => r.map(escapePipes));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head = [], ...body] = all;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
