import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks', () => {
    const t = parseCsv('name,note\n"a, b","say ""hi"""\n"multi\nline",x\n', { multiline: true });
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
    const crlf = parseCsv('\ufefftext,label\r\n"Great, ""fun""\r\nmovie",pos\r\nmeh,neg\r\n', {
      delimiter: ',',
      multiline: true,
    });
    expect(crlf.header).toEqual(['text', 'label']);
    expect(crlf.rows).toEqual([
      ['Great, "fun"\r\nmovie', 'pos'],
      ['meh', 'neg'],
    ]);
    expect(crlf.lines).toEqual([2, 4]);
    const cr = parseCsv('a\tb\r1\t2\r3\t4', { delimiter: '\t' });
    expect([cr.rows, cr.lines]).toEqual([
      [
        ['1', '2'],
        ['3', '4'],
      ],
      [2, 3],
    ]);
  });

  it('keeps a quote inside an unquoted field; trims header names; allows an empty one', () => {
    const t = parseCsv(',size , note\n0,5" screen,he said "hi"\n');
    expect(t.header).toEqual(['', 'size', 'note']);
    expect(t.rows).toEqual([['0', '5" screen', 'he said "hi"']]);
  });

  it('names the file and line of malformed input', () => {
    expect(() => parseCsv('a,b\n1,2,3\n', { source: 't.csv' })).toThrow(
      't.csv:2: 3 fields, the header has 2 (a, b)',
    );
    expect(() => parseCsv('a,b\n"open,2\n', { source: 't.csv', multiline: true })).toThrow(
      't.csv:2: unterminated quoted field',
    );
    expect(() => parseCsv('a,b\n"x"y,2\n', { source: 't.csv' })).toThrow(
      "t.csv:2: unexpected 'y' after a closing quote",
    );
    expect(() => parseCsv('a,b\n"multi\nline" x,2\n', { source: 't.csv', multiline: true })).toThrow(
      "t.csv:3: unexpected ' ' after a closing quote",
    );
    expect(() => parseCsv('a,a\n1,2\n', { source: 't.csv' })).toThrow("t.csv:1: duplicate column 'a'");
    expect(() => parseCsv('', { source: 't.csv' })).toThrow('t.csv: empty file');
    expect(() => parseCsv('a\n', { delimiter: '"' })).toThrow('the delimiter must be one character');
  });

  it('refuses an unbalanced quote with its line number instead of merging rows (strict by default)', () => {
    // The quote opened on line 3 closes on line 4: RFC 4180 reads one row ('b,0\nc', 1).
    const text = 'text,label\na,1\n"b,0\nc",1\nd,0\n';
    expect(() => parseCsv(text, { source: 'r.csv' })).toThrow(
      'r.csv:3: quoted field still open at the end of the line (an unbalanced quote?)',
    );
    expect(() => parseCsv(text, { multilineHint: 'set data.options.multiline: true' })).toThrow(
      'set data.options.multiline: true',
    );
    expect(parseCsv(text, { multiline: true }).rows).toEqual([
      ['a', '1'],
      ['b,0\nc', '1'],
      ['d', '0'],
    ]);
    expect(() => parseCsv('a,b\n"open,2', { source: 't.csv' })).toThrow('t.csv:2: unterminated quoted field');
  });

  it('reads a file without a header row when asked, naming columns by position', () => {
    const t = parseCsv('\ufeffHallo\tHello\n\n"a\tb"\tc\n', {
      delimiter: '\t',
      header: false,
      source: 'p.tsv',
    });
    expect(t.header).toEqual(['0', '1']);
    expect(t.rows).toEqual([
      ['Hallo', 'Hello'],
      ['a\tb', 'c'],
    ]);
    expect(t.lines).toEqual([1, 3]);
    expect(() => parseCsv('a\tb\nc\n', { delimiter: '\t', header: false, source: 'p.tsv' })).toThrow(
      'p.tsv:2: 1 fields, the first row has 2',
    );
    expect(parseCsv('', { header: false }).rows).toEqual([]);
  });
});
