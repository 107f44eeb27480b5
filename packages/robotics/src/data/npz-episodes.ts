import { type InputLimits, type NpyArray, readNpz } from '@peftkit/core';
import type { Episode, EpisodeSet, FeatureSpec } from './episode.js';

/** Array names read as these features (common names in robot-learning `.npz` dumps). */
const ALIASES: Readonly<Record<string, string>> = {
  obs: 'observation.state',
  observations: 'observation.state',
  states: 'observation.state',
  actions: 'action',
  rewards: 'reward',
  dones: 'done',
  terminals: 'done',
};

/**
 * Reads episodes from a NumPy `.npz` archive: per-step arrays with the step count as first
 * dimension (`observation.state` or `obs`/`observations`, `action` or `actions`, optional
 * `reward(s)`, `done(s)`/`terminals`, any other `[N, d]` float arrays as features), and the
 * episode boundaries as `episode_index` `[N]` or `episode_ends` `[E]` (exclusive cumulative ends,
 * as diffusion-policy replay buffers store them). Errors name the archive and the array.
 */
export async function readNpzEpisodes(
  file: string,
  options: { maxFrames?: number | undefined; limits?: InputLimits | undefined } = {},
): Promise<EpisodeSet> {
  const arrays = await readNpz(file, undefined, options.limits);
  const steps = new Map<string, NpyArray>();
  for (const [name, arr] of arrays) steps.set(ALIASES[name] ?? name, arr);
  const bounds = steps.get('episode_index') ?? steps.get('episode_ends');
  const isEnds = !steps.has('episode_index') && steps.has('episode_ends');
  steps.delete('episode_index');
  steps.delete('episode_ends');
  const action = steps.get('action');
  if (!action)
    throw new Error(`${file}: no 'action' (or 'actions') array; arrays: ${[...arrays.keys()].join(', ')}`);
  const n = action.shape[0] as number;
  if (options.maxFrames !== undefined && n > options.maxFrames) {
    throw new Error(`${file}: ${n} frames, over data.options.maxFrames ${options.maxFrames}`);
  }
  const ranges = episodeRanges(file, bounds, isEnds, n);
  const features: Record<string, FeatureSpec> = {};
  let reward: NpyArray | undefined;
  let done: NpyArray | undefined;
  for (const [key, arr] of steps) {
    if (arr.shape[0] !== n) {
      throw new Error(`${file}: '${key}' has ${arr.shape[0]} steps, 'action' has ${n}`);
    }
    if (key === 'reward') reward = arr;
    else if (key === 'done') done = arr;
    else if (arr.shape.length <= 2)
      features[key] = { dim: arr.shape.length === 2 ? (arr.shape[1] as number) : 1 };
    else
      throw new Error(
        `${file}: '${key}' has shape [${arr.shape.join(', ')}]; only [N] or [N, d] step arrays are read`,
      );
  }
  const episodes: Episode[] = ranges.map(([from, to, index]) => {
    const f: Record<string, Float32Array> = {};
    for (const [key, spec] of Object.entries(features)) {
      f[key] = Float32Array.from(
        (steps.get(key) as NpyArray).data.subarray(from * spec.dim, to * spec.dim) as ArrayLike<number>,
      );
    }
    return {
      index,
      length: to - from,
      features: f,
      ...(reward ? { reward: Float32Array.from(reward.data.subarray(from, to) as ArrayLike<number>) } : {}),
      ...(done
        ? { done: Uint8Array.from(done.data.subarray(from, to) as ArrayLike<number>, (v) => (v ? 1 : 0)) }
        : {}),
    };
  });
  return { source: file, fps: undefined, features, episodes, skipped: [] };
}

function episodeRanges(
  file: string,
  bounds: NpyArray | undefined,
  isEnds: boolean,
  n: number,
): [number, number, number][] {
  if (!bounds)
    throw new Error(
      `${file}: no 'episode_index' [N] or 'episode_ends' [E] array to split steps into episodes`,
    );
  const b = Array.from(bounds.data as ArrayLike<number>);
  const out: [number, number, number][] = [];
  if (isEnds) {
    let from = 0;
    for (const end of b) {
      if (!Number.isInteger(end) || end <= from || end > n)
        throw new Error(`${file}: episode_ends must increase within (0, ${n}], got ${end} after ${from}`);
      out.push([from, end, out.length]);
      from = end;
    }
    if (from !== n) throw new Error(`${file}: episode_ends ends at ${from}, but there are ${n} steps`);
    return out;
  }
  if (b.length !== n)
    throw new Error(`${file}: episode_index has ${b.length} entries, 'action' has ${n} steps`);
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || b[i] !== b[i - 1]) {
      out.push([from, i, b[from] as number]);
      from = i;
    }
  }
  const seen = new Set<number>();
  for (const [, , e] of out) {
    if (seen.has(e)) throw new Error(`${file}: episode_index ${e} appears in two separate runs of steps`);
    seen.add(e);
  }
  return out;
}
