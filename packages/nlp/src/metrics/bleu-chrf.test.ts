import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusBleu } from './bleu.js';
import { corpusChrf } from './chrf.js';
import { tokenize13a } from './tokenize-13a.js';

interface Corpus {
  hypotheses: string[];
  references: string[][];
  bleu: number;
  precisions: number[];
  bp: number;
  sys_len: number;
  ref_len: number;
  chrf: number;
  chrfpp: number;
}

// Values computed by sacreBLEU 2.6.0 itself: test-data/text-metrics/make_reference.py.
const REF = JSON.parse(
  readFileSync(new URL('../../test-data/text-metrics/reference.json', import.meta.url), 'utf8'),
) as { tokenize13a: [string, string][]; corpora: Record<string, Corpus> };
const CORPORA = Object.entries(REF.corpora);

describe('13a tokenisation', () => {
  it.each(REF.tokenize13a)('tokenises %j as sacreBLEU does', (text, expected) => {
    expect(tokenize13a(text)).toBe(expected);
  });
});

describe('corpus BLEU (sacreBLEU defaults)', () => {
  it.each(CORPORA)('matches sacreBLEU on %s', (_name, c) => {
    const b = corpusBleu(c.hypotheses, c.references);
    expect(b.score).toBeCloseTo(c.bleu, 9);
    b.precisions.forEach((p, i) => {
      expect(p).toBeCloseTo(c.precisions[i] as number, 9);
    });
    expect(b.brevityPenalty).toBeCloseTo(c.bp, 12);
    expect([b.hypLength, b.refLength]).toEqual([c.sys_len, c.ref_len]);
  });

  it('is 100 for identical text and penalises a short hypothesis by exp(1 - r/c)', () => {
    expect(corpusBleu(['a b c d e'], [['a b c d e']]).score).toBeCloseTo(100, 10);
    const short = corpusBleu(['a b c d'], [['a b c d e f']]);
    expect(short.brevityPenalty).toBeCloseTo(Math.exp(1 - 6 / 4), 12);
    expect(short.score).toBeCloseTo(100 * Math.exp(1 - 6 / 4), 9);
  });

  it('rejects mismatched lengths and segments without references', () => {
    expect(() => corpusBleu(['a'], [])).toThrow(/1 hypotheses for 0/);
    expect(() => corpusBleu(['a'], [[]])).toThrow(/segment 0 has no reference/);
  });
});

describe('corpus chrF / chrF++ (sacreBLEU defaults)', () => {
  it.each(CORPORA)('matches sacreBLEU on %s', (_name, c) => {
    expect(corpusChrf(c.hypotheses, c.references)).toBeCloseTo(c.chrf, 9);
    expect(corpusChrf(c.hypotheses, c.references, { wordOrder: 2 })).toBeCloseTo(c.chrfpp, 9);
  });

  it('ignores whitespace in character n-grams and is 100 for identical text', () => {
    expect(corpusChrf(['the cat'], [['thecat']])).toBeCloseTo(100, 10);
    expect(corpusChrf(['the cat'], [['the cat']], { wordOrder: 2 })).toBeCloseTo(100, 10);
    expect(corpusChrf(['abc'], [['xyz']])).toBe(0);
  });
});
