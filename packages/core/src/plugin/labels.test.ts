import { describe, expect, it } from 'vitest';
import { describeUnseen, indexLabels, sortLabels } from './labels.js';

describe('label helpers for readers', () => {
  it('sorts label sets naturally and indexes values against them', () => {
    expect(sortLabels(['10', '2', 'b', 'a', '2'])).toEqual(['2', '10', 'a', 'b']);
    expect(indexLabels(['pos', 'neg', 'pos'])).toEqual({
      labels: ['neg', 'pos'],
      indices: [1, 0, 1],
      unseen: new Map(),
    });
  });

  it('follows a known label set and counts values outside it, never adding them', () => {
    const r = indexLabels(['b', 'x', 'a', 'x'], ['b', 'a']);
    expect(r.labels).toEqual(['b', 'a']);
    expect(r.indices).toEqual([0, -1, 1, -1]);
    expect([...r.unseen]).toEqual([['x', 2]]);
    expect(describeUnseen(r.unseen)).toBe("'x' (2)");
    expect(
      describeUnseen(
        new Map([
          ['x', 2],
          ['y', 1],
        ]),
        'row',
      ),
    ).toBe("'x' (2 rows), 'y' (1 row)");
  });
});
