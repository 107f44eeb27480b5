import { stringify as toYaml } from 'yaml';

/** Writes a machine-readable result: exactly one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
}

/** Writes text for people on stdout (the result of the command, not logs). */
export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Renders rows of `[label, value]` as an aligned two-column block for people. */
export function formatKeyValues(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** Renders a table with a header row; columns are padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** YAML for people (configs, presets). */
export function formatYaml(value: unknown): string {
  return toYaml(value, { lineWidth: 0 }).trimEnd();
}

/** A number for people: up to 4 significant digits. */
export function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 1e4 || Number.isInteger(n)
    ? n.toLocaleString('en-US')
    : String(Number(n.toPrecision(4)));
}
