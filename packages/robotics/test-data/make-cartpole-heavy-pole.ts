/**
 * Regenerates `cartpole-heavy-pole/`: LeRobot v2.1 demonstrations of cartpole balance with a
 * pole twice as heavy as the default (poleMass 1.0 instead of 0.5), collected by the project's
 * own LQR expert re-derived for that physics, with DART-style action noise so the states spread
 * around the expert's path. Deterministic: the same command writes the same data.
 *
 *   npx tsx packages/robotics/test-data/make-cartpole-heavy-pole.ts
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLeRobotDataset } from '../src/data/lerobot-writer.js';
import { makeExpert } from '../src/experts/make-expert.js';
import { collectDemonstrations } from '../src/rollout/collect-demonstrations.js';

/** The shifted physics; the e2e test evaluates in the same env. */
export const HEAVY_POLE = { id: 'cartpole', poleMass: 1 } as const;

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cartpole-heavy-pole');
const expert = await makeExpert(HEAVY_POLE);
const demos = await collectDemonstrations(HEAVY_POLE, expert, {
  episodes: 8,
  seedStart: 500,
  actionNoise: 0.2,
});
expert.dispose();
await writeLeRobotDataset(out, demos, { version: 'v2.1', robotType: 'mujoco-cartpole', overwrite: true });
console.log(
  `wrote ${demos.episodes.length} episodes (${demos.episodes.reduce((n, e) => n + e.length, 0)} frames) to ${out}`,
);
