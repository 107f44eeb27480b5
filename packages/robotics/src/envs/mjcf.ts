/** Small helpers for writing MJCF text from typed configs. */

/** A number as MJCF text: the shortest string that parses back to exactly the same double. */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`mjcf: cannot write non-finite number ${x}`);
  return String(x);
}

/** Space-separated numbers (`"0 0 -9.81"`). */
export function vec(...xs: number[]): string {
  return xs.map(num).join(' ');
}

/**
 * Arena size for small envs without contacts. MuJoCo's default reserves ~13 MB of arena per
 * `MjData`; these models need a few kilobytes, so 200 live envs would otherwise cost 2.7 GB.
 */
export const SMALL_ARENA = '256K';
