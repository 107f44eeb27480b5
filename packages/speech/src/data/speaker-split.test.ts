import { UserError } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { speakerDisjointSplit } from './speaker-split.js';

describe('speakerDisjointSplit', () => {
  it('never puts a speaker on both sides, even one that appears in two groups', () => {
    const speakers = ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd', 'a', 'e'];
    const groups = ['x', 'x', 'x', 'x', 'x', 'x', 'y', 'y', 'y', 'y'];
    for (let seed = 0; seed < 20; seed++) {
      const isEval = speakerDisjointSplit(speakers, { evalFraction: 0.3, seed }, groups);
      const side = new Map<string, boolean>();
      speakers.forEach((s, i) => {
        expect(side.get(s) ?? isEval[i]).toBe(isEval[i]);
        side.set(s, isEval[i] as boolean);
      });
      expect(isEval.some(Boolean) && !isEval.every(Boolean)).toBe(true);
    }
  });

  it('moves speakers in seeded order until the eval examples reach the fraction', () => {
    // One prolific speaker and nine with one clip each: 10% of 19 clips is 2 clips. Shuffled
    // speakers go to eval until 2 clips are held: two singletons (2), 'big' first (10), or a
    // singleton then 'big' (11). Every other speaker stays in train.
    const speakers = [...Array(10).fill('big'), ...Array.from({ length: 9 }, (_, i) => `s${i}`)];
    const held = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const isEval = speakerDisjointSplit(speakers, { evalFraction: 0.1, seed });
      const n = isEval.filter(Boolean).length;
      expect([2, 10, 11]).toContain(n);
      held.add(n);
    }
    expect(held.has(2)).toBe(true);
  });

  it('refuses a split that cannot have speakers on both sides', () => {
    expect(() =>
      speakerDisjointSplit(['a', 'a', 'a'], { evalFraction: 0.5, seed: 0 }, undefined, 'm.csv'),
    ).toThrow(UserError);
    expect(() =>
      speakerDisjointSplit(['a', 'a'], { evalFraction: 0.5, seed: 0 }, undefined, 'm.csv'),
    ).toThrow('m.csv: a speaker-disjoint split needs speakers on both sides; 1 speaker in 2 examples');
  });
});
