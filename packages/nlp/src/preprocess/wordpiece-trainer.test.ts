import { describe, expect, it } from 'vitest';
import { trainWordPiece } from './wordpiece-trainer.js';

const CORPUS = [
  'The movie was great, truly great!',
  'The acting was terrible; the plot was worse.',
  'Greatness is rare. Great movies are rarer.',
  'I loved the movie and the acting.',
];

describe('trainWordPiece', () => {
  const tok = trainWordPiece(Array.from({ length: 5 }, () => CORPUS).flat(), { vocabSize: 80 });

  it('starts with the special tokens, then the alphabet with ## forms', () => {
    const tokens = tok.vocab.tokens();
    expect(tokens.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tokens).toContain('t');
    expect(tokens).toContain('##t');
    expect(tok.vocab.size).toBe(80);
  });

  it('learns frequent words as single tokens and splits rare ones', () => {
    expect(tok.tokenize('the movie').tokens).toEqual(['the', 'movie']);
    const rare = tok.tokenize('greatest').tokens;
    expect(rare.length).toBeGreaterThan(1);
    expect(rare[0]?.startsWith('##')).toBe(false);
    expect(rare.slice(1).every((t) => t.startsWith('##'))).toBe(true);
    expect(tok.tokenize('zebra').tokens).toEqual(['[UNK]']); // 'z' never seen
  });

  it('is deterministic', () => {
    const again = trainWordPiece(Array.from({ length: 5 }, () => CORPUS).flat(), { vocabSize: 80 });
    expect(again.vocab.tokens()).toEqual(tok.vocab.tokens());
  });

  it('stops below vocabSize when no pair reaches minFrequency', () => {
    const small = trainWordPiece(['ab cd'], { vocabSize: 1000, minFrequency: 2 });
    expect(small.vocab.size).toBe(5 + 4);
    expect(() => trainWordPiece(CORPUS, { vocabSize: 10 })).toThrow(/smaller than the special tokens/);
  });
});
