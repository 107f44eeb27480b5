import type { Rng } from '@peftkit/core';
import { BoxSpace } from '../box-space.js';
import { type Assessment, MujocoEnv, type PhysicsState } from '../mujoco-env.js';
import { parseEnvConfig } from '../parse-config.js';
import { Physics } from '../physics.js';
import { type ReacherConfig, type ReacherConfigInput, reacherConfigSchema } from './reacher-config.js';
import { reacherMjcf } from './reacher-mjcf.js';

/** Observation layout of `reacher`. */
export const REACHER_OBSERVATION = [
  'shoulderCos',
  'shoulderSin',
  'elbowCos',
  'elbowSin',
  'shoulderVelocity',
  'elbowVelocity',
  'goalX',
  'goalY',
  'tipMinusGoalX',
  'tipMinusGoalY',
] as const;

/** Fingertip position of a planar two-link arm at joint angles `q1`, `q2`. */
export function reacherFingertip(c: ReacherConfig, q1: number, q2: number): [number, number] {
  return [
    c.link1Length * Math.cos(q1) + c.link2Length * Math.cos(q1 + q2),
    c.link1Length * Math.sin(q1) + c.link2Length * Math.sin(q1 + q2),
  ];
}

/**
 * Reacher: a two-link planar arm moving its fingertip onto a goal drawn from a configurable
 * region (so "new goals" is a config change).
 *
 * - observation (10): cos/sin of the shoulder angle, cos/sin of the elbow angle (relative to
 *   link 1), both joint velocities rad/s, goal x/y m, fingertip minus goal x/y m.
 * - action (2): motor commands in [-1, 1]; each joint feels `gear * action` N m.
 * - reward: `-distance(fingertip, goal) - controlCost * |action|^2`.
 * - terminated: never; episodes run `maxSteps` steps.
 * - success: distance <= `successTolerance` for the final `successSteps` steps.
 * - info: `tipX`, `tipY`, `goalX`, `goalY`, `tipDistance`.
 *
 * @example
 * const env = await ReacherEnv.create({ goalAngle: [0, Math.PI] });
 * const obs = env.reset(3);
 */
export class ReacherEnv extends MujocoEnv<ReacherConfig> {
  private goal: [number, number] = [0, 0];

  private constructor(config: ReacherConfig, physics: Physics) {
    const reach = config.link1Length + config.link2Length;
    const inf = Number.POSITIVE_INFINITY;
    super(config, physics, {
      id: 'reacher',
      observationSpace: new BoxSpace(
        [-1, -1, -1, -1, -inf, -inf, -reach, -reach, -2 * reach, -2 * reach],
        [1, 1, 1, 1, inf, inf, reach, reach, 2 * reach, 2 * reach],
      ),
      actionSpace: new BoxSpace([-1, -1], [1, 1]),
      observationLabels: REACHER_OBSERVATION,
      actionLabels: ['shoulder', 'elbow'],
      timestep: config.timestep,
      frameSkip: config.frameSkip,
      maxSteps: config.maxSteps,
      successSteps: config.successSteps,
    });
  }

  /** Validates `config` (errors name `where.<field>`) and builds the env. */
  static async create(config: ReacherConfigInput = {}, where = 'env'): Promise<ReacherEnv> {
    const c = parseReacherConfig(config, where);
    return new ReacherEnv(c, await Physics.fromXml(reacherMjcf(c), `${where} (reacher)`));
  }

  /** The current episode's goal. */
  get goalPosition(): readonly [number, number] {
    return [this.goal[0], this.goal[1]];
  }

  protected startEpisode(rng: Rng): void {
    const c = this.config;
    const n = c.initNoise;
    const q1 = rng.uniform(-n, n);
    const q2 = rng.uniform(-n, n);
    const v1 = rng.uniform(-n / 10, n / 10);
    const v2 = rng.uniform(-n / 10, n / 10);
    // Uniform by area: radius is the square root of a uniform draw between the squared bounds.
    const [rMin, rMax] = c.goalRadius;
    const r = Math.sqrt(rng.uniform(rMin * rMin, rMax * rMax));
    const phi = rng.uniform(c.goalAngle[0], c.goalAngle[1]);
    this.goal = [r * Math.cos(phi), r * Math.sin(phi)];
    this.physics.setState([q1, q2], [v1, v2]);
  }

  protected observe({ qpos, qvel }: PhysicsState): Float64Array {
    const q1 = qpos[0] as number;
    const q2 = qpos[1] as number;
    const [tx, ty] = reacherFingertip(this.config, q1, q2);
    const [gx, gy] = this.goal;
    return Float64Array.of(
      Math.cos(q1),
      Math.sin(q1),
      Math.cos(q2),
      Math.sin(q2),
      qvel[0] as number,
      qvel[1] as number,
      gx,
      gy,
      tx - gx,
      ty - gy,
    );
  }

  protected assess({ qpos }: PhysicsState, action: Float64Array): Assessment {
    const c = this.config;
    const [tx, ty] = reacherFingertip(c, qpos[0] as number, qpos[1] as number);
    const [gx, gy] = this.goal;
    const distance = Math.hypot(tx - gx, ty - gy);
    const a0 = action[0] as number;
    const a1 = action[1] as number;
    return {
      reward: -distance - c.controlCost * (a0 * a0 + a1 * a1),
      terminated: false,
      successNow: distance <= c.successTolerance,
      quantities: { tipX: tx, tipY: ty, goalX: gx, goalY: gy, tipDistance: distance },
    };
  }
}

/** Validates a reacher config; a bad field gives a one-line `UserError` naming `where.<field>`. */
export function parseReacherConfig(config: unknown, where = 'env'): ReacherConfig {
  return parseEnvConfig(reacherConfigSchema, config, where);
}
