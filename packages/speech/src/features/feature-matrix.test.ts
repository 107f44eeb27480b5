import { describe, expect, it } from 'vitest';
import { featureMatrix, transposeFeatures } from './feature-matrix.js';
import { reflectIndex } from './reflect.js';

describe('featureMatrix', () => {
  it('checks the size and transposes to channels-first', () => {
    const m = featureMatrix(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    expect(Array.from(transposeFeatures(m))).toEqual([1, 3, 5, 2, 4, 6]);
    expect(() => featureMatrix(new Float32Array(5), 3, 2)).toThrow(
      /5 values cannot be 3 frames x 2 features/,
    );
  });
});

describe('reflectIndex', () => {
  it("mirrors without repeating the edge, like numpy's reflect pad, repeatedly when needed", () => {
    // numpy.pad([0, 1, 2], 5, mode='reflect') = [1 0 1 2 1 | 0 1 2 | 1 0 1 2 1]
    const got = Array.from({ length: 13 }, (_, i) => reflectIndex(i - 5, 3));
    expect(got).toEqual([1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1]);
    expect(reflectIndex(-4, 1)).toBe(0);
  });
});
