import { describe, expect, it } from 'vitest';
import { parseDelimited } from './delimited-text.js';
import { UserError } from './user-error.js';

describe('parseDelimited', () => {
  it('parses RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const t = parseDelimited('\ufeffpath, label\r\n"a, b.wav","say ""hi""\nthere"\n\nc.wav,\n', {
      delimiter: ',',
      source: 'm.csv',
    });
    expect(t.header).toEqual(['path', 'label']);
    expect(t.rows).toEqual([
      ['a, b.wav', 'say "hi"\nthere'],
      ['c.wav', ''],
    ]);
    expect(t.lines).toEqual([2, 5]);
  });

  it('keeps quotes as text with quoting none (Common Voice sentences quote speech)', () => {
    const t = parseDelimited('path\tsentence\nx.mp3\t"Yes," he said.\n', {
      delimiter: '\t',
      source: 'train.tsv',
      quoting: 'none',
    });
    expect(t.rows).toEqual([['x.mp3', '"Yes," he said.']]);
    expect(t.lines).toEqual([2]);
  });

  it('names the file and line of a ragged row, an open quote and an empty file', () => {
    const ragged = () => parseDelimited('a,b\n1,2\n3\n', { delimiter: ',', source: 'm.csv' });
    expect(ragged).toThrow(UserError);
    expect(ragged).toThrow('m.csv:3: 1 fields, the header has 2 (a, b)');
    expect(() => parseDelimited('a\n"x\n', { delimiter: ',', source: 'm.csv' })).toThrow(
      'm.csv:2: unterminated quoted field',
    );
    expect(() => parseDelimited('\n\n', { delimiter: '\t', source: 'e.tsv', quoting: 'none' })).toThrow(
      'e.tsv: empty file',
    );
  });
});
