import type { Rng } from '@peftkit/core';
import { wrapAngle } from '../angles.js';
import { BoxSpace } from '../box-space.js';
import { type Assessment, MujocoEnv, type PhysicsState } from '../mujoco-env.js';
import { parseEnvConfig } from '../parse-config.js';
import { Physics } from '../physics.js';
import { type CartpoleConfig, type CartpoleConfigInput, cartpoleConfigSchema } from './cartpole-config.js';
import { cartpoleMjcf } from './cartpole-mjcf.js';

/** Observation layout of `cartpole` (angle 0 = upright, positive towards +x). */
export const CARTPOLE_OBSERVATION = [
  'cartPosition',
  'poleCos',
  'poleSin',
  'cartVelocity',
  'poleAngularVelocity',
] as const;

/**
 * Cart-pole: a pole hinged on a cart that a motor pushes along a rail.
 *
 * - observation (5): cart position m, cos and sin of the pole angle, cart velocity m/s, pole
 *   angular velocity rad/s.
 * - action (1): motor command in [-1, 1]; the cart feels `gear * action` newtons.
 * - reward: `(1 + cos angle) / 2 - controlCost * action^2` (1 upright, 0 hanging).
 * - terminated: |angle| > `terminateAngle` (balance by default; never in swingup).
 * - success: |angle| <= `successAngle` for the final `successSteps` steps.
 * - info: `poleAngle` (wrapped to (-pi, pi]), `cartPosition`, `force` (N).
 *
 * @example
 * const env = await CartpoleEnv.create({ task: 'balance', poleMass: 0.2 });
 * let obs = env.reset(0);
 * const { observation, reward, terminated, truncated } = env.step([0.1]);
 * env.dispose();
 */
export class CartpoleEnv extends MujocoEnv<CartpoleConfig> {
  private constructor(config: CartpoleConfig, physics: Physics) {
    super(config, physics, {
      id: 'cartpole',
      observationSpace: new BoxSpace(
        [Number.NEGATIVE_INFINITY, -1, -1, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
        [Number.POSITIVE_INFINITY, 1, 1, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
      ),
      actionSpace: new BoxSpace([-1], [1]),
      observationLabels: CARTPOLE_OBSERVATION,
      actionLabels: ['motor'],
      timestep: config.timestep,
      frameSkip: config.frameSkip,
      maxSteps: config.maxSteps,
      successSteps: config.successSteps,
    });
  }

  /** Validates `config` (errors name `where.<field>`) and builds the env. */
  static async create(config: CartpoleConfigInput = {}, where = 'env'): Promise<CartpoleEnv> {
    const c = parseCartpoleConfig(config, where);
    return new CartpoleEnv(c, await Physics.fromXml(cartpoleMjcf(c), `${where} (cartpole)`));
  }

  protected startEpisode(rng: Rng): void {
    const n = this.config.initNoise;
    const x = rng.uniform(-n, n);
    const angle = (this.config.task === 'swingup' ? Math.PI : 0) + rng.uniform(-n, n);
    const xdot = rng.uniform(-n, n);
    const angleDot = rng.uniform(-n, n);
    this.physics.setState([x, angle], [xdot, angleDot]);
  }

  protected observe({ qpos: q, qvel: v }: PhysicsState): Float64Array {
    const angle = q[1] as number;
    return Float64Array.of(q[0] as number, Math.cos(angle), Math.sin(angle), v[0] as number, v[1] as number);
  }

  protected assess({ qpos: q }: PhysicsState, action: Float64Array): Assessment {
    const c = this.config;
    const angle = wrapAngle(q[1] as number);
    const a = action[0] as number;
    return {
      reward: (1 + Math.cos(angle)) / 2 - c.controlCost * a * a,
      terminated: c.terminateAngle !== null && Math.abs(angle) > c.terminateAngle,
      successNow: Math.abs(angle) <= c.successAngle,
      quantities: { poleAngle: angle, cartPosition: q[0] as number, force: c.gear * a },
    };
  }
}

/** Validates a cart-pole config; a bad field gives a one-line `UserError` naming `where.<field>`. */
export function parseCartpoleConfig(config: unknown, where = 'env'): CartpoleConfig {
  return parseEnvConfig(cartpoleConfigSchema, config, where);
}
