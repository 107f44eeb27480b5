import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { loadMujoco, mujocoHeapBytes } from '../envs/mujoco-runtime.js';
import { parseReacherConfig, type ReacherConfigInput, reacherFingertip } from '../envs/reacher/index.js';
import { runRollouts } from '../rollout/run-rollouts.js';
import { reacherExpert, reacherInverseKinematics } from './reacher-expert.js';

const SHIFTS: Record<string, ReacherConfigInput> = {
  default: {},
  'link masses x2': { link1Mass: 0.1, link2Mass: 0.1 },
  'gear x0.5': { gear: 0.025 },
  'friction x3': { jointFriction: 0.006 },
  'new goal region': { goalAngle: [Math.PI / 2, Math.PI], goalRadius: [0.15, 0.2] },
};

describe('reacher inverse kinematics', () => {
  it('puts the fingertip on any reachable point, with either elbow', () => {
    const c = parseReacherConfig({});
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const r = rng.uniform(0.02, 0.2);
      const phi = rng.uniform(-Math.PI, Math.PI);
      const [x, y] = [r * Math.cos(phi), r * Math.sin(phi)];
      for (const elbowNow of [1, -1]) {
        const [q1, q2] = reacherInverseKinematics(c, x, y, elbowNow);
        expect(Math.sign(q2)).toBe(elbowNow);
        const [tx, ty] = reacherFingertip(c, q1, q2);
        expect(Math.hypot(tx - x, ty - y)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('reacher expert', () => {
  for (const [name, shift] of Object.entries(SHIFTS)) {
    it(`reaches the goal in > 90% of seeded episodes, designed for its own physics (${name})`, async () => {
      const expert = await reacherExpert(shift);
      const result = await runRollouts({ id: 'reacher', ...shift }, expert.act, {
        episodes: 20,
        record: false,
      });
      expert.dispose();
      expect(result.aggregated.pc_success).toBeGreaterThan(90);
    });
  }

  it('asks a motor with half the gear for twice the command (same torque)', async () => {
    const near = Float64Array.of(1, 0, 1, 0, 0.05, -0.02, 0.208, 0.004, 0.002, -0.004);
    const base = await reacherExpert();
    const weak = await reacherExpert({ gear: 0.025 });
    const a = base.act(near);
    const b = weak.act(near);
    // Small enough that neither command is clipped.
    expect(Math.abs(a[0] as number)).toBeLessThan(0.45);
    expect(Math.abs(a[1] as number)).toBeLessThan(0.45);
    expect(Math.abs(a[0] as number)).toBeGreaterThan(0.01);
    expect((b[0] as number) / (a[0] as number)).toBeCloseTo(2, 9);
    expect((b[1] as number) / (a[1] as number)).toBeCloseTo(2, 9);
    base.dispose();
    weak.dispose();
  });

  it('frees its private MuJoCo model on dispose (100 experts keep the heap size)', async () => {
    const mj = await loadMujoco();
    const obs = Float64Array.of(1, 0, 1, 0, 0, 0, 0.1, 0.1, 0.11, -0.1);
    const cycle = async () => {
      const expert = await reacherExpert();
      expert.act(obs);
      expert.dispose();
    };
    for (let i = 0; i < 5; i++) await cycle();
    const before = mujocoHeapBytes(mj);
    for (let i = 0; i < 100; i++) await cycle();
    expect(mujocoHeapBytes(mj)).toBe(before);
  });
});
