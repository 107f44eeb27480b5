import { UserError } from './user-error.js';

/** A parsed delimited table (CSV, TSV) with its header row. */
export interface DelimitedTable {
  /** Column names, trimmed. */
  readonly header: string[];
  /** Data rows; each has exactly `header.length` fields (untrimmed). */
  readonly rows: string[][];
  /** 1-based line number where each row starts, for messages (`file:line`). */
  readonly lines: number[];
}

export interface ParseDelimitedOptions {
  /** One character: `,` for CSV, a tab for TSV. */
  readonly delimiter: string;
  /** The file name used in error messages. */
  readonly source: string;
  /**
   * `rfc4180` (default): `"a, b"` quoting, doubled `""` inside quotes, line breaks inside quotes.
   * `none`: a quote is an ordinary character (IANA `text/tab-separated-values`, and files written
   * with Python's `csv.QUOTE_NONE`, such as Common Voice's TSVs, whose sentences contain quotes).
   */
  readonly quoting?: 'rfc4180' | 'none';
}

/**
 * Parses CSV/TSV text with a header row: a leading byte-order mark is dropped, CRLF or LF line
 * ends, blank lines skipped. A row whose field count differs from the header's is a `UserError`
 * naming `source` and the line, as is an unterminated quoted field or a file without a header.
 *
 * @example
 * parseDelimited('path\tlabel\nyes/a.wav\tyes\n', { delimiter: '\t', source: 'train.tsv', quoting: 'none' })
 * // { header: ['path', 'label'], rows: [['yes/a.wav', 'yes']], lines: [2] }
 */
export function parseDelimited(text: string, options: ParseDelimitedOptions): DelimitedTable {
  const { delimiter, source } = options;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new UserError(`${source}: delimiter must be one character other than a quote or line end`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records =
    options.quoting === 'none' ? splitUnquoted(body, delimiter) : splitQuoted(body, delimiter, source);
  const [head, ...rest] = records;
  if (!head) throw new UserError(`${source}: empty file (expected a header row)`);
  const header = head.fields.map((h) => h.trim());
  for (const r of rest) {
    if (r.fields.length !== header.length) {
      throw new UserError(
        `${source}:${r.line}: ${r.fields.length} fields, the header has ${header.length} (${header.join(', ')})`,
      );
    }
  }
  return { header, rows: rest.map((r) => r.fields), lines: rest.map((r) => r.line) };
}

interface DelimitedRecord {
  readonly fields: string[];
  readonly line: number;
}

function splitUnquoted(text: string, delimiter: string): DelimitedRecord[] {
  const out: DelimitedRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line === '') continue;
    out.push({ fields: line.split(delimiter), line: i + 1 });
  }
  return out;
}

function splitQuoted(text: string, delimiter: string, source: string): DelimitedRecord[] {
  const out: DelimitedRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  // A record of one empty unquoted field is a blank line; `seen` tells `""` apart from it.
  let seen = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    fields.push(field);
    if (seen || fields.length > 1 || field !== '') out.push({ fields, line: start });
    fields = [];
    field = '';
    seen = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      seen = true;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      seen = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) throw new UserError(`${source}:${start}: unterminated quoted field`);
  if (field !== '' || fields.length > 0 || seen) endRecord();
  return out;
}
