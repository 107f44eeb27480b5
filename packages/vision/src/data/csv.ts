/** A parsed CSV table. */
export interface CsvTable {
  readonly header: string[];
  readonly rows: string[][];
  /** 1-based line number where each row starts, for messages. */
  readonly lines: number[];
}

/**
 * Parses RFC 4180 CSV: quoted fields (with `""` escapes and embedded delimiters or newlines),
 * CRLF or LF line ends, a header row. Blank lines are skipped; a row whose field count differs
 * from the header is an error naming `source` and the line.
 */
export function parseCsv(text: string, options: { delimiter?: string; source?: string } = {}): CsvTable {
  const d = options.delimiter ?? ',';
  const source = options.source ?? '<csv>';
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === d) {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += ch;
    i++;
  }
  if (quoted) throw new Error(`${source}:${recordLine}: unterminated quoted field`);
  if (field !== '' || fields.length) endRecord();
  const [head, ...rest] = records;
  if (!head) throw new Error(`${source}: empty CSV (no header row)`);
  const header = head.fields.map((h) => h.trim());
  for (const r of rest) {
    if (r.fields.length !== header.length) {
      throw new Error(
        `${source}:${r.line}: expected ${header.length} fields (${header.join(', ')}), got ${r.fields.length}`,
      );
    }
  }
  return { header, rows: rest.map((r) => r.fields), lines: rest.map((r) => r.line) };
}
