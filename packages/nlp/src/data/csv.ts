/** A parsed delimited table. */
export interface CsvTable {
  readonly header: string[];
  readonly rows: string[][];
  /** 1-based line number where each row starts (for error messages). */
  readonly lines: number[];
}

/**
 * Parses CSV/TSV text (RFC 4180 quoting: `"a, b"`, doubled `""` inside quotes, line breaks inside
 * quotes) with a header row. Blank lines are skipped; a row with a different number of fields
 * than the header is an error naming its line.
 *
 * @example parseCsv('text,label\n"Great, fun",pos\n', { delimiter: ',' })
 */
export function parseCsv(text: string, options: { delimiter: string; source: string }): CsvTable {
  const { delimiter: d, source } = options;
  const records: { fields: string[]; line: number }[] = [];
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = () => {
    fields.push(field);
    if (any || fields.length > 1 || field !== '') records.push({ fields, line: start });
    fields = [];
    field = '';
    any = false;
  };
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (c === '\n') line += 1;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      any = true;
    } else if (c === d) {
      fields.push(field);
      field = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      start = line;
    } else field += c;
  }
  if (quoted) throw new Error(`${source}:${start}: unterminated quoted field`);
  if (field !== '' || fields.length > 0) endRecord();
  const [head, ...body] = records;
  if (!head) throw new Error(`${source}: empty file (expected a header row)`);
  for (const r of body) {
    if (r.fields.length !== head.fields.length) {
      throw new Error(`${source}:${r.line}: ${r.fields.length} fields, the header has ${head.fields.length}`);
    }
  }
  return {
    header: head.fields.map((h) => h.trim()),
    rows: body.map((r) => r.fields),
    lines: body.map((r) => r.line),
  };
}
