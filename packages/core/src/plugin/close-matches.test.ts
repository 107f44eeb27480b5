import { describe, expect, it } from 'vitest';
import { closeMatches, editDistance } from './close-matches.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions on strings', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('flaw', 'lawn')).toBe(2);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('compares sequences element by element (words, ids)', () => {
    expect(editDistance(['the', 'cat', 'sat'], ['a', 'cat', 'sat', 'down'])).toBe(2);
    expect(editDistance([1, 2, 3], [1, 3])).toBe(1);
    expect(editDistance(Int32Array.of(5, 5), [])).toBe(2);
  });
});

describe('closeMatches', () => {
  it('finds a mistyped id by its last segment', () => {
    expect(closeMatches('nlp/sentimnt', ['nlp/sentiment', 'nlp/topic'])).toEqual(['nlp/sentiment']);
  });
});
