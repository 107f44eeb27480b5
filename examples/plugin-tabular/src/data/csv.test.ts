import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks', () => {
    const t = parseCsv('name,note\n"a, b","say ""hi"""\n"multi\nline",x\n');
    expect(t.header).toEqual(['name', 'note']);
    expect(t.rows).toEqual([
      ['a, b', 'say "hi"'],
      ['multi\nline', 'x'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });

  it('accepts CRLF, a BOM, blank lines, a missing final newline and empty fields', () => {
    const t = parseCsv('\ufeffa;b\r\n1;\r\n\r\n"";2', { delimiter: ';' });
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      ['1', ''],
      ['', '2'],
    ]);
  });

  it('names the file and line of malformed input', () => {
    expect(() => parseCsv('a,b\n1,2,3\n', { source: 't.csv' })).toThrow(
      't.csv:2: 3 fields, the header has 2',
    );
    expect(() => parseCsv('a,b\n"open,2\n', { source: 't.csv' })).toThrow(
      't.csv:2: unterminated quoted field',
    );
    expect(() => parseCsv('a,b\n"x"y,2\n', { source: 't.csv' })).toThrow(
      "t.csv:2: unexpected 'y' after a closing quote",
    );
    expect(() => parseCsv('a,a\n1,2\n', { source: 't.csv' })).toThrow("duplicate column 'a'");
    expect(() => parseCsv('', { source: 't.csv' })).toThrow('empty file');
  });
});
