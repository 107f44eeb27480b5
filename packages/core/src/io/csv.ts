/** A parsed CSV: header, data rows, and the 1-based line each row starts on (for messages). */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly lines: readonly number[];
}

export interface ParseCsvOptions {
  /** One character: `,` (default) for CSV, a tab for TSV. */
  readonly delimiter?: string;
  /** The file name used in error messages. */
  readonly source?: string;
  /**
   * `rfc4180` (default): `"a, b"` quoting as above. `none`: a quote is an ordinary character
   * (IANA `text/tab-separated-values`, and files written with Python's `csv.QUOTE_NONE` such as
   * Common Voice's TSVs, whose sentences contain quotes).
   */
  readonly quoting?: 'rfc4180' | 'none';
  /**
   * Allow quoted fields to span lines (default false). Off, a quote still open at the end of its
   * line is an error naming the line: an unbalanced quote would otherwise swallow the following
   * rows into one field silently. Files whose text fields really hold line breaks (pandas'
   * `to_csv` of multi-line reviews) turn it on.
   */
  readonly multiline?: boolean;
  /**
   * How the user allows multi-line fields, for the error (`set data.options.multiline: true`);
   * without it the error says fields may not span lines.
   */
  readonly multilineHint?: string;
  /**
   * The first row is a header (default true). With false every row is data and the columns are
   * named by position, `'0'`, `'1'`, ...; every row must then have as many fields as the first.
   */
  readonly header?: boolean;
}

/**
 * Parses CSV/TSV text with a header row, after RFC 4180: fields separated by `delimiter`,
 * optionally quoted with `"`; inside quotes a doubled `""` is a quote and delimiters are literal,
 * and so are line breaks with `multiline` (otherwise a quote left open at the end of a line is an
 * error with its line number). Accepts LF, CRLF and CR, a UTF-8 BOM and a missing final line break; skips
 * blank lines. A quote inside an unquoted field is kept as a character (`5" screen`), as
 * Python's `csv` does; text after a closing quote is an error, since it usually means an
 * unescaped quote inside a quoted field. Header names are trimmed and must be unique (an empty
 * name, e.g. pandas' index column, is allowed); every row must have as many fields as the header.
 * Errors name `source` and the line.
 *
 * @example
 * parseCsv('a,b\n1,"x, ""y"""\n').rows; // [['1', 'x, "y"']]
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  const delimiter = options.delimiter ?? ',';
  const where = options.source ?? 'csv';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`${where}: the delimiter must be one character other than a quote or line break`);
  }
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const quotes = options.quoting !== 'none';
  const multiline = options.multiline ?? false;
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  // Whether the current field / record had quotes: `""` is an empty value, not a blank line.
  let wasQuoted = false;
  let wasQuotedRecord = false;
  const endField = () => {
    fields.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    // A blank line is one empty unquoted field: skip it.
    if (!(fields.length === 1 && fields[0] === '' && !wasQuotedRecord))
      records.push({ fields, line: recordLine });
    fields = [];
    wasQuotedRecord = false;
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        const next = src[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new Error(`${where}:${line}: unexpected '${next}' after a closing quote`);
        }
        continue;
      }
      if (!multiline && (c === '\n' || c === '\r')) {
        throw new Error(
          `${where}:${line}: quoted field still open at the end of the line (an unbalanced quote?); ${options.multilineHint ? `if quoted fields really span lines, ${options.multilineHint}` : 'quoted fields may not span lines in this file'}`,
        );
      }
      // Count CRLF once and a lone CR as a line break, as outside quotes.
      if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (quotes && c === '"' && field === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      wasQuotedRecord = true;
      i += 1;
    } else if (c === delimiter) {
      endField();
      i += 1;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line += 1;
      recordLine = line;
    } else {
      field += c;
      i += 1;
    }
  }
  if (quoted) throw new Error(`${where}:${recordLine}: unterminated quoted field`);
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
  if (options.header === false) {
    const width = records[0]?.fields.length ?? 0;
    for (const r of records) {
      if (r.fields.length !== width) {
        throw new Error(`${where}:${r.line}: ${r.fields.length} fields, the first row has ${width}`);
      }
    }
    const header = Array.from({ length: width }, (_, k) => String(k));
    return { header, rows: records.map((r) => r.fields), lines: records.map((r) => r.line) };
  }
  const [head, ...body] = records;
  if (!head) throw new Error(`${where}: empty file (a header row is required)`);
  const header = head.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new Error(`${where}:${head.line}: duplicate column '${h}'`);
    seen.add(h);
  }
  for (const r of body) {
    if (r.fields.length !== header.length) {
      throw new Error(
        `${where}:${r.line}: ${r.fields.length} fields, the header has ${header.length} (${header.join(', ')})`,
      );
    }
  }
  return { header, rows: body.map((r) => r.fields), lines: body.map((r) => r.line) };
}
