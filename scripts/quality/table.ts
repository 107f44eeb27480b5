/** One finished (or skipped) training run of the suite. */
export interface SuiteRun {
  readonly dataset: string;
  /** The preset the run started from (absent in runs.json files written before it was recorded). */
  readonly preset?: string | undefined;
  readonly method: string;
  readonly seed: number;
  /** Test-split macro F1; undefined when the run did not happen (budget). */
  readonly macroF1?: number | undefined;
  readonly accuracy?: number | undefined;
  /** The dataset's extra test metrics (e.g. `auroc` of a binary finding). */
  readonly metrics?: Readonly<Record<string, number | undefined>> | undefined;
  /** Optimizer steps the run took. */
  readonly steps?: number | undefined;
  readonly trainablePercent?: number | undefined;
  /** Decision threshold the run saved (binary runs). */
  readonly threshold?: number | undefined;
  readonly seconds?: number | undefined;
  readonly skipped?: string | undefined;
}

/** Per dataset and method: mean and spread over seeds, and the ratio to full fine-tuning's mean. */
export interface SuiteRow {
  readonly dataset: string;
  readonly preset: string | undefined;
  readonly method: string;
  readonly seeds: number;
  readonly macroF1: number | undefined;
  readonly spread: number | undefined;
  readonly ratioToFull: number | undefined;
  readonly trainablePercent: number | undefined;
  readonly majorityBaseline: boolean;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Groups runs by dataset and method (in first-seen order). `majorityBaseline` marks a mean
 * macro F1 at or below what predicting the majority class scores (`baselines[dataset]`).
 */
export function summarise(
  runs: readonly SuiteRun[],
  baselines: Readonly<Record<string, number>>,
): SuiteRow[] {
  const groups = new Map<string, SuiteRun[]>();
  for (const r of runs) {
    const key = `${r.dataset}\u0000${r.method}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const fullMean = new Map<string, number>();
  for (const [key, rs] of groups) {
    const [dataset, method] = key.split('\u0000') as [string, string];
    const done = rs.flatMap((r) => (r.macroF1 === undefined ? [] : [r.macroF1]));
    if (method === 'full' && done.length) fullMean.set(dataset, mean(done));
  }
  return [...groups].map(([key, rs]) => {
    const [dataset, method] = key.split('\u0000') as [string, string];
    const done = rs.flatMap((r) => (r.macroF1 === undefined ? [] : [r.macroF1]));
    const m = done.length ? mean(done) : undefined;
    const full = fullMean.get(dataset);
    const pct = rs.find((r) => r.trainablePercent !== undefined)?.trainablePercent;
    return {
      dataset,
      preset: rs.find((r) => r.preset !== undefined)?.preset,
      method,
      seeds: done.length,
      macroF1: m,
      spread: done.length > 1 ? Math.max(...done) - Math.min(...done) : undefined,
      ratioToFull: m !== undefined && full ? m / full : undefined,
      trainablePercent: pct,
      majorityBaseline: m !== undefined && m <= (baselines[dataset] ?? 0) + 1e-9,
    };
  });
}

const f3 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));

/**
 * The Markdown table docs/quality.md carries, columns padded as the repository's formatter
 * (Biome) pads them, so a regenerated doc passes `pnpm lint` as written.
 */
export function markdownTable(rows: readonly SuiteRow[]): string {
  const head = [
    'dataset',
    'preset',
    'method',
    'test macro F1 (mean of seeds)',
    'spread (max-min)',
    'ratio to full',
    'trainable %',
    'seeds',
  ];
  const body = rows.map((r) => [
    r.dataset,
    r.preset ?? '-',
    r.method,
    `${f3(r.macroF1)}${r.majorityBaseline ? ' (majority baseline)' : ''}`,
    f3(r.spread),
    r.ratioToFull === undefined ? '-' : `${r.ratioToFull.toFixed(2)}x`,
    r.trainablePercent === undefined ? '-' : r.trainablePercent.toFixed(2),
    String(r.seeds),
  ]);
  const widths = head.map((h, i) => Math.max(3, h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Macro F1 of always predicting the majority class: F1 1/(1+...) only for that class, 0 for others. */
export function majorityMacroF1(counts: Readonly<Record<string, number>>): number {
  const values = Object.values(counts);
  const n = values.reduce((a, b) => a + b, 0);
  const top = Math.max(...values);
  // The majority class: precision top/n, recall 1, F1 2top/(top+n); every other class 0.
  return (2 * top) / (top + n) / values.length;
}

/** The marked blocks of docs/quality.md: text rows, and vision/speech rows (merged separately). */
export const TABLE_BLOCKS = {
  text: { begin: '<!-- quality-table:begin -->', end: '<!-- quality-table:end -->' },
  domains: { begin: '<!-- quality-table-domains:begin -->', end: '<!-- quality-table-domains:end -->' },
} as const;

/** Which block a row belongs in: `nlp/*` presets (and rows from before presets were recorded) are text. */
export const blockOf = (row: Pick<SuiteRow, 'preset'>): keyof typeof TABLE_BLOCKS =>
  row.preset === undefined || row.preset.startsWith('nlp/') ? 'text' : 'domains';

/**
 * `doc` with each marked block that has rows replaced by `stamp` and its table; a block without
 * rows in this table (a suite run on vision and speech only) or missing from `doc` is left alone.
 */
export function writeTableBlocks(doc: string, rows: readonly SuiteRow[], stamp: string): string {
  let out = doc;
  for (const [name, { begin, end }] of Object.entries(TABLE_BLOCKS)) {
    const mine = rows.filter((r) => blockOf(r) === name);
    const at = out.indexOf(begin);
    const until = out.indexOf(end);
    if (!mine.length || at < 0 || until < at) continue;
    out = `${out.slice(0, at + begin.length)}\n${stamp}\n\n${markdownTable(mine)}\n${out.slice(until)}`;
  }
  return out;
}
