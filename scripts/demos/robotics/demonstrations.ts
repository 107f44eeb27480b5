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
  using expert = await makeExpert(env);
  const set = await collectDemonstrations(env, expert, { episodes, seedStart, actionNoise: ACTION_NOISE });
  await writeLeRobotDataset(dir, set);
  const frames = set.episodes.reduce((n, e) => n + e.length, 0);
  return { dir, episodes, frames };
}
