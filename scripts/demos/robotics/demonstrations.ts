import { collectDemonstrations, makeExpert, writeLeRobotDataset } from '@peftkit/robotics';
import { ACTION_NOISE, type EnvConfig } from './config.js';

export interface DemoSet {
  readonly dir: string;
  readonly episodes: number;
  readonly frames: number;
}

/**
 * Records the scripted expert designed for `env`'s physics (re-derived for shifted physics) as a
 * LeRobot v2.1 folder: `episodes` episodes on seeds `seedStart...`, DART noise on the executed
 * action, clean expert labels.
 */
export async function writeDemonstrations(
  env: EnvConfig,
  dir: string,
  episodes: number,
  seedStart: number,
): Promise<DemoSet> {
  const [set] = await writeDemonstrationSets(env, [{ dir, episodes }], seedStart);
  return set as DemoSet;
}

/**
 * Several LeRobot folders of the same expert from the same first seed, each the first `episodes`
 * of one collection (an episode depends only on its seed): the largest is collected once and the
 * smaller ones are its first episodes.
 */
export async function writeDemonstrationSets(
  env: EnvConfig,
  sets: readonly { readonly dir: string; readonly episodes: number }[],
  seedStart: number,
): Promise<DemoSet[]> {
  using expert = await makeExpert(env);
  const episodes = Math.max(...sets.map((s) => s.episodes));
  const all = await collectDemonstrations(env, expert, { episodes, seedStart, actionNoise: ACTION_NOISE });
  const written: DemoSet[] = [];
  for (const s of sets) {
    const first = all.episodes.slice(0, s.episodes);
    await writeLeRobotDataset(s.dir, { ...all, episodes: first });
    written.push({ dir: s.dir, episodes: s.episodes, frames: first.reduce((n, e) => n + e.length, 0) });
  }
  return written;
}
