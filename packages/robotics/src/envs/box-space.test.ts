import { describe, expect, it } from 'vitest';
import { BoxSpace } from './box-space.js';

describe('BoxSpace', () => {
  const box = new BoxSpace([-1, 0], [1, Number.POSITIVE_INFINITY]);

  it('reports shape and membership', () => {
    expect(box.shape).toEqual([2]);
    expect(box.contains([0.5, 100])).toBe(true);
    expect(box.contains([1.5, 0])).toBe(false);
    expect(box.contains([0, -0.1])).toBe(false);
    expect(box.contains([0])).toBe(false);
    expect(box.contains([Number.NaN, 0])).toBe(false);
  });

  it('clips each dimension into its bounds and returns a copy', () => {
    const input = [3, -2];
    const out = box.clip(input);
    expect(Array.from(out)).toEqual([1, 0]);
    expect(input).toEqual([3, -2]);
    expect(Array.from(box.clip([-0.25, 7]))).toEqual([-0.25, 7]);
  });

  it('rejects a wrong length or a NaN, naming the dimension', () => {
    expect(() => box.clip([0])).toThrow('action has 1 values, expected 2');
    expect(() => box.clip([0, Number.NaN], 'policy action')).toThrow('policy action[1] is NaN');
  });

  it('rejects inverted bounds', () => {
    expect(() => new BoxSpace([1], [0])).toThrow('dim 0 needs low <= high');
    expect(() => new BoxSpace([0, 0], [1])).toThrow('low has 2 dims but high has 1');
  });
});
