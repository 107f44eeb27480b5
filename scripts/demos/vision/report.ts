import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** One method's outcome on the held-out target test split. */
export interface MethodResult {
  readonly id: string;
  readonly label: string;
  readonly status: 'ok' | 'skipped';
  /** Why the method was skipped (status `skipped`). */
  readonly reason?: string;
  readonly accuracy: number | null;
  readonly macroF1: number | null;
  readonly trainableParameters: number | null;
  readonly totalParameters: number | null;
  /** Bytes of the weights the method adds to ship: the adapter file, or the whole checkpoint. */
  readonly weightBytes: number | null;
  /** What `weightBytes` counts, for the table. */
  readonly weightFiles: readonly string[];
  /** Wall time of the training run (data, model, training, saving); 0 for zero-shot. */
  readonly trainSeconds: number | null;
  readonly runDir: string | null;
  /** `pnpm peftkit ...` that trains this row (null for zero-shot). */
  readonly command: string | null;
}

/** Sum of the sizes of `files` in `dir`. */
export async function bytesOf(dir: string, files: readonly string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}

const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`);

function size(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function params(r: MethodResult): string {
  if (r.trainableParameters === null || r.totalParameters === null) return 'n/a';
  const share = (100 * r.trainableParameters) / r.totalParameters;
  return `${r.trainableParameters.toLocaleString('en-US')} (${share < 1 && share > 0 ? share.toFixed(2) : share.toFixed(1)}%)`;
}

export const TABLE_HEADER = [
  'method',
  'test accuracy',
  'macro-F1',
  'trainable params (% of total)',
  'weights file',
  'train time',
] as const;

/** The table's cells, one row per method; skipped methods say why. */
export function tableRows(results: readonly MethodResult[]): string[][] {
  return results.map((r) =>
    r.status === 'skipped'
      ? [r.label, `skipped: ${r.reason ?? ''}`, '', '', '', '']
      : [
          r.label,
          pct(r.accuracy),
          r.macroF1 === null ? 'n/a' : r.macroF1.toFixed(3),
          params(r),
          size(r.weightBytes),
          r.trainSeconds === null ? 'n/a' : `${r.trainSeconds.toFixed(1)} s`,
        ],
  );
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
