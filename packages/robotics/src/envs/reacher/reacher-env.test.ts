import { describe, expect, it } from 'vitest';
import { wrapAngle } from '../angles.js';
import { parseReacherConfig, REACHER_OBSERVATION, ReacherEnv, reacherFingertip } from './reacher-env.js';

describe('reacher env', () => {
  it('declares spaces and an observation consistent with forward kinematics and info', async () => {
    const env = await ReacherEnv.create();
    expect(env.observationLabels).toEqual(REACHER_OBSERVATION);
    expect(env.observationSpace.shape).toEqual([10]);
    expect(env.actionSpace.shape).toEqual([2]);
    const obs = env.reset(5);
    const r = env.step([0.3, -0.2]);
    const o = r.observation;
    const q1 = Math.atan2(o[1] as number, o[0] as number);
    const q2 = Math.atan2(o[3] as number, o[2] as number);
    const [tx, ty] = reacherFingertip(env.config, q1, q2);
    expect(tx).toBeCloseTo(r.info['tipX'] as number, 12);
    expect(ty).toBeCloseTo(r.info['tipY'] as number, 12);
    expect((o[6] as number) + (o[8] as number)).toBeCloseTo(tx, 12);
    expect((o[7] as number) + (o[9] as number)).toBeCloseTo(ty, 12);
    expect([o[6], o[7]]).toEqual([obs[6], obs[7]]);
    expect(r.reward).toBeCloseTo(
      -(r.info['tipDistance'] as number) - env.config.controlCost * (0.09 + 0.04),
      12,
    );
    expect(env.observationSpace.contains(o)).toBe(true);
    env.dispose();
  });

  it('draws goals inside the configured region; a new region moves goals, not the start pose', async () => {
    const wide = await ReacherEnv.create({ goalRadius: [0.08, 0.12], goalAngle: [0, Math.PI / 2] });
    const other = await ReacherEnv.create({ goalRadius: [0.08, 0.12], goalAngle: [Math.PI, 1.5 * Math.PI] });
    for (let seed = 0; seed < 30; seed++) {
      const a = wide.reset(seed);
      const b = other.reset(seed);
      const [gx, gy] = wide.goalPosition;
      expect(Math.hypot(gx, gy)).toBeGreaterThanOrEqual(0.08 - 1e-12);
      expect(Math.hypot(gx, gy)).toBeLessThanOrEqual(0.12 + 1e-12);
      expect(gx).toBeGreaterThanOrEqual(0);
      expect(gy).toBeGreaterThanOrEqual(0);
      const [hx, hy] = other.goalPosition;
      expect(hx).toBeLessThanOrEqual(1e-12);
      expect(hy).toBeLessThanOrEqual(1e-12);
      expect(Array.from(a.slice(0, 6))).toEqual(Array.from(b.slice(0, 6)));
    }
    wide.dispose();
    other.dispose();
  });

  it('runs exactly maxSteps steps and never terminates', async () => {
    const env = await ReacherEnv.create({ maxSteps: 7, successSteps: 2 });
    env.reset(0);
    const rs = Array.from({ length: 7 }, () => env.step([1, 1]));
    expect(rs.map((r) => r.truncated)).toEqual([false, false, false, false, false, false, true]);
    expect(rs.some((r) => r.terminated)).toBe(false);
    env.dispose();
  });

  it('physics fields change behaviour: friction, gear and mass change the trajectory under the same actions', async () => {
    const swept = async (config: object) => {
      const env = await ReacherEnv.create(config);
      env.reset(0);
      let r = env.step([0.4, 0.4]);
      for (let i = 0; i < 14; i++) r = env.step([0.4, 0.4]);
      env.dispose();
      return Math.atan2(r.observation[1] as number, r.observation[0] as number);
    };
    const base = await swept({});
    const sticky = await swept({ jointFriction: 0.006 });
    const weak = await swept({ gear: 0.025 });
    const heavy = await swept({ link1Mass: 0.1, link2Mass: 0.1 });
    expect(base).toBeGreaterThan(0.2);
    // More friction, a weaker motor or heavier links: the shoulder turns less far in 0.3 s.
    for (const shifted of [sticky, weak, heavy]) expect(wrapAngle(shifted)).toBeLessThan(base * 0.9);
  });

  it('rejects unreachable goal regions and inverted ranges with one line naming the field', () => {
    expect(() => parseReacherConfig({ goalRadius: [0.1, 0.5] })).toThrow(
      'env.goalRadius must stay within reach: max <= 0.21 (link1Length + link2Length)',
    );
    expect(() => parseReacherConfig({ goalRadius: [0.001, 0.1] })).toThrow(
      'env.goalRadius must stay within reach: min >= 0.01',
    );
    expect(() => parseReacherConfig({ goalAngle: [1, 0] }, 'eval.env')).toThrow(
      'eval.env.goalAngle must be [min, max]',
    );
    expect(() => parseReacherConfig({ gear: 0 })).toThrow('env.gear must be > 0');
    expect(() => parseReacherConfig({ goalRadius: [0.1] })).toThrow(/^env\.goalRadius/);
  });
});
