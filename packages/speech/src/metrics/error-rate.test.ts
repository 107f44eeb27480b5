import { describe, expect, it } from 'vitest';
import { cerMetric, textErrors, werMetric } from './error-rate.js';
import { codesToText, textToCodes } from './text-codes.js';

const rows = (texts: string[]) => texts.map(textToCodes);

describe('text as code points', () => {
  it('round-trips any text, astral characters included', () => {
    for (const t of ['', 'hello world', 'naïve café', 'a😀b']) expect(codesToText(textToCodes(t))).toBe(t);
    expect(textToCodes('a😀')).toHaveLength(2);
  });

  it('refuses numbers that are not code points', () => {
    expect(() => codesToText([104, 0.5])).toThrow(/0.5 at index 1 is not a Unicode code point/);
  });
});

describe('textErrors', () => {
  it('counts character edits with spaces as characters, and word edits on whitespace-split words', () => {
    expect(textErrors('helo world', 'hello world', 'char')).toEqual({ edits: 1, length: 11 });
    expect(textErrors('hello  world ', 'hello world', 'word')).toEqual({ edits: 0, length: 2 });
    expect(textErrors('the cat sat', 'the cat sat down', 'word')).toEqual({ edits: 1, length: 4 });
    expect(textErrors('a cat', 'the cat', 'word')).toEqual({ edits: 1, length: 2 });
    expect(textErrors('', 'abc', 'char')).toEqual({ edits: 3, length: 3 });
  });
});

describe('cer and wer metrics', () => {
  it('are corpus-level: total edits over total reference length, not a mean of per-example rates', () => {
    const wer = werMetric.create();
    expect(wer.name).toBe('wer');
    wer.update(rows(['the cat sat']), rows(['the cat sat down'])); // 1 / 4
    wer.update(rows(['a b']), rows(['a c'])); // 1 / 2
    expect(wer.compute()).toBeCloseTo(2 / 6, 12);

    const cer = cerMetric.create();
    cer.update(rows(['helo world', 'abc']), rows(['hello world', 'abd']));
    expect(cer.compute()).toBeCloseTo(2 / 14, 12);
  });

  it('reach 0 for exact transcripts, 1 for empty ones and more than 1 with insertions', () => {
    const cer = cerMetric.create();
    cer.update(rows(['abc']), rows(['abc']));
    expect(cer.compute()).toBe(0);
    cer.reset();
    cer.update(rows(['']), rows(['abc']));
    expect(cer.compute()).toBe(1);
    cer.reset();
    cer.update(rows(['aaaa']), rows(['a']));
    expect(cer.compute()).toBe(3);
  });

  it('refuses one number per example and mismatched counts, naming the metric', () => {
    const wer = werMetric.create();
    expect(() => wer.update([1, 2], [1, 2])).toThrow(
      /wer.update: predictions and targets must be texts as rows/,
    );
    expect(() => wer.update(rows(['a']), rows(['a', 'b']))).toThrow(
      /wer.update: 1 predictions for 2 targets/,
    );
    expect(() => wer.compute()).toThrow(/wer.compute: no data/);
  });
});
