import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLeRobotDataset } from '../data/lerobot-dataset.js';
import { writeLeRobotDataset } from '../data/lerobot-writer.js';
import { CARTPOLE_OBSERVATION } from '../envs/cartpole/cartpole-env.js';
import { makeExpert } from '../experts/make-expert.js';
import { collectDemonstrations } from './collect-demonstrations.js';
import { runRollouts } from './run-rollouts.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'demos-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const spec = { id: 'cartpole', maxSteps: 60 } as const;

describe('collectDemonstrations', () => {
  it('records the expert episodes a rollout sees, and LeRobot reads them back identically', async () => {
    using expert = await makeExpert(spec);
    const set = await collectDemonstrations(spec, expert, { episodes: 3, seedStart: 7 });
    expect(set.fps).toBe(50);
    expect(set.features['observation.state']?.names).toEqual([...CARTPOLE_OBSERVATION]);
    expect(set.episodes.map((e) => [e.index, e.length, e.task])).toEqual([
      [0, 60, 'cartpole/balance'],
      [1, 60, 'cartpole/balance'],
      [2, 60, 'cartpole/balance'],
    ]);
    const rollout = await runRollouts(spec, (o) => expert.act(o), { episodes: 3, seedStart: 7 });
    set.episodes.forEach((ep, i) => {
      const traj = rollout.trajectories[i]!;
      expect(Array.from(ep.features['observation.state']!.subarray(5, 10))).toEqual(
        Array.from(Float32Array.from(traj.observations[1]!)),
      );
      expect(Array.from(ep.reward!)).toEqual(Array.from(Float32Array.from(traj.rewards)));
      expect(ep.done![ep.length - 1]).toBe(1);
      expect(ep.done!.reduce((a, b) => a + b, 0)).toBe(1);
    });

    const dir = path.join(tmp, 'cartpole');
    await writeLeRobotDataset(dir, set);
    const back = await readLeRobotDataset(dir);
    expect(back.fps).toBe(50);
    expect(back.features['action']).toEqual({ dim: 1, names: ['motor'] });
    expect(back.episodes.length).toBe(3);
    back.episodes.forEach((ep, i) => {
      const orig = set.episodes[i]!;
      expect([ep.index, ep.length, ep.task]).toEqual([orig.index, orig.length, orig.task]);
      expect(ep.features['observation.state']).toEqual(orig.features['observation.state']);
      expect(ep.features['action']).toEqual(orig.features['action']);
      expect(ep.reward).toEqual(orig.reward);
      expect(ep.done).toEqual(orig.done);
    });
  });

  it('perturbs the visited states with action noise but records the clean expert action', async () => {
    using expert = await makeExpert(spec);
    const clean = await collectDemonstrations(spec, expert, { episodes: 1, seedStart: 3 });
    const noisy = await collectDemonstrations(spec, expert, { episodes: 1, seedStart: 3, actionNoise: 0.3 });
    const again = await collectDemonstrations(spec, expert, { episodes: 1, seedStart: 3, actionNoise: 0.3 });
    const state = (s: typeof clean) => s.episodes[0]!.features['observation.state']!;
    expect(state(noisy)).toEqual(state(again));
    expect(state(noisy)).not.toEqual(state(clean));
    const ep = noisy.episodes[0]!;
    for (const t of [5, 30, 59]) {
      const obs = Float64Array.from(ep.features['observation.state']!.subarray(t * 5, t * 5 + 5));
      expect(ep.features['action']![t]).toBeCloseTo(expert.act(obs)[0]!, 3);
    }
    await expect(collectDemonstrations(spec, expert, { episodes: 0 })).rejects.toThrow(/episodes/);
  });
});
