import type { Episode, EpisodeSet } from '../episode.js';

/**
 * A small deterministic episode set for reader tests: a damped point mass pushed towards the
 * origin by a proportional controller. `observation.state` is [position, velocity], `action`
 * the force; rewards are -|position|, the last step is done.
 */
export function syntheticEpisodes(count = 4, length = 12, task = 'reach the origin'): EpisodeSet {
  const episodes: Episode[] = [];
  for (let e = 0; e < count; e++) {
    const state = new Float32Array(length * 2);
    const action = new Float32Array(length);
    const reward = new Float32Array(length);
    const done = new Uint8Array(length);
    let x = 1 + 0.25 * e;
    let v = 0;
    for (let t = 0; t < length; t++) {
      const u = -2 * x - 0.5 * v;
      state.set([x, v], t * 2);
      action[t] = u;
      reward[t] = -Math.abs(x);
      v += 0.1 * u;
      x += 0.1 * v;
    }
    done[length - 1] = 1;
    episodes.push({ index: e, length, features: { 'observation.state': state, action }, reward, done, task });
  }
  return {
    source: 'synthetic',
    fps: 10,
    features: { 'observation.state': { dim: 2, names: ['x', 'v'] }, action: { dim: 1, names: ['force'] } },
    episodes,
    skipped: [],
  };
}
