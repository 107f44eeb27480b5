import type { Episode, FeatureStats } from './episode.js';

/**
 * Mean, standard deviation (population, as LeRobot computes it), min and max of each component of
 * each feature over every frame of `episodes`. Accumulates in float64.
 *
 * @example const stats = computeFeatureStats(train.episodes, ['observation.state', 'action']);
 */
export function computeFeatureStats(
  episodes: readonly Episode[],
  keys: readonly string[],
): Record<string, FeatureStats> {
  const out: Record<string, FeatureStats> = {};
  for (const key of keys) {
    let dim = -1;
    let count = 0;
    let sum: Float64Array = new Float64Array(0);
    let sumSq: Float64Array = new Float64Array(0);
    let min: Float64Array = new Float64Array(0);
    let max: Float64Array = new Float64Array(0);
    for (const ep of episodes) {
      const values = ep.features[key];
      if (!values) throw new Error(`computeFeatureStats: episode ${ep.index} has no feature '${key}'`);
      const d = values.length / ep.length;
      if (dim < 0) {
        dim = d;
        sum = new Float64Array(d);
        sumSq = new Float64Array(d);
        min = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
        max = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
      } else if (d !== dim) {
        throw new Error(
          `computeFeatureStats: '${key}' has ${d} components in episode ${ep.index}, ${dim} before`,
        );
      }
      for (let t = 0; t < ep.length; t++) {
        for (let j = 0; j < d; j++) {
          const v = values[t * d + j] as number;
          sum[j] = (sum[j] as number) + v;
          sumSq[j] = (sumSq[j] as number) + v * v;
          if (v < (min[j] as number)) min[j] = v;
          if (v > (max[j] as number)) max[j] = v;
        }
      }
      count += ep.length;
    }
    if (count === 0) throw new Error(`computeFeatureStats: no frames for '${key}'`);
    const mean = Array.from(sum, (s) => s / count);
    const std = Array.from(sumSq, (s, j) => Math.sqrt(Math.max(0, s / count - (mean[j] as number) ** 2)));
    out[key] = { mean, std, min: Array.from(min), max: Array.from(max), count };
  }
  return out;
}

/**
 * Reads LeRobot's `meta/stats.json` entries for `keys` (`{ key: { mean, std, min, max, count? } }`;
 * nested `[[..]]` of image stats are not expected for state features). Missing keys are left out;
 * a malformed entry is an error naming the file and key.
 */
export function parseFeatureStats(
  json: unknown,
  keys: readonly string[],
  dims: Readonly<Record<string, number>>,
  file: string,
): Record<string, FeatureStats> {
  const out: Record<string, FeatureStats> = {};
  if (json === null || typeof json !== 'object') throw new Error(`${file}: expected a JSON object`);
  const table = json as Record<string, unknown>;
  for (const key of keys) {
    const entry = table[key];
    if (entry === undefined) continue;
    const e = entry as Record<string, unknown>;
    const list = (field: string): number[] => {
      const v = e[field];
      const flat = Array.isArray(v) ? v.flat(3) : v;
      if (!Array.isArray(flat) || flat.length !== dims[key] || flat.some((x) => typeof x !== 'number'))
        throw new Error(`${file}: ${key}.${field} must be ${dims[key]} numbers`);
      return flat as number[];
    };
    const count = Array.isArray(e['count']) ? Number((e['count'] as unknown[])[0]) : Number(e['count'] ?? 0);
    out[key] = { mean: list('mean'), std: list('std'), min: list('min'), max: list('max'), count };
  }
  return out;
}
