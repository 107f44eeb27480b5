import { describe, expect, it } from 'vitest';
import { closeMatches, didYouMean, editDistance } from './close-matches.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions (Levenshtein)', () => {
    expect(editDistance('query', 'query')).toBe(0);
    expect(editDistance('querry', 'query')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
  });
});

describe('closeMatches', () => {
  it('compares sequences element by element (words, ids)', () => {
    expect(editDistance('flaw', 'lawn')).toBe(2);
    expect(editDistance(['the', 'cat', 'sat'], ['a', 'cat', 'sat', 'down'])).toBe(2);
    expect(editDistance([1, 2, 3], [1, 3])).toBe(1);
    expect(editDistance(Int32Array.of(5, 5), [])).toBe(2);
  });

  it('keeps only the nearest tier and matches on the last path segment', () => {
    expect(closeMatches('nlp/sentimnt', ['nlp/sentiment', 'nlp/topic', 'vision/medical'])).toEqual([
      'nlp/sentiment',
    ]);
    expect(closeMatches('attn.qq', ['attn.q', 'attn.k', 'ffn.up'])).toEqual(['attn.q', 'attn.k']);
    expect(closeMatches('zzzzzz', ['attn.q', 'ffn.up'])).toEqual([]);
    expect(didYouMean('tabular.feature', ['tabular.features', 'embed'])).toBe(
      " (did you mean 'tabular.features'?)",
    );
    expect(didYouMean('zzzzzz', ['embed'])).toBe('');
  });
});
