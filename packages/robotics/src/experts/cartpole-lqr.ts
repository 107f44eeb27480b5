import {
  type CartpoleConfig,
  type CartpoleConfigInput,
  cartpoleMjcf,
  parseCartpoleConfig,
} from '../envs/cartpole/index.js';
import { Physics } from '../envs/physics.js';
import { solveDare } from './dare.js';
import { clampUnit, type Expert } from './expert.js';
import { diag, type Matrix } from './linalg.js';
import { linearize } from './linearize.js';

/** LQR weights. The state is `[cart position, pole angle, cart velocity, pole angular velocity]`. */
export interface CartpoleLqrOptions {
  /** Diagonal state cost. Default `[1, 10, 0.1, 0.1]`. */
  readonly stateCost?: readonly [number, number, number, number];
  /** Cost per squared action (action units, i.e. per gear). Default 1. */
  readonly actionCost?: number;
}

/** An LQR balance controller and the linear model it was designed on. */
export interface CartpoleLqrExpert extends Expert {
  /** Feedback gain K (action = -K state, clipped to [-1, 1]). */
  readonly gain: readonly number[];
  /** Linearised env step around upright: state_next = A state + B action. */
  readonly A: Matrix;
  readonly B: Matrix;
}

/** `[x, angle, xdot, angledot]` from a cart-pole observation (angle wrapped to (-pi, pi]). */
export function cartpoleState(obs: ArrayLike<number>): [number, number, number, number] {
  return [
    obs[0] as number,
    Math.atan2(obs[2] as number, obs[1] as number),
    obs[3] as number,
    obs[4] as number,
  ];
}

/**
 * Designs an LQR balance controller for the cart-pole described by `config`: it compiles the
 * same MJCF as the env, linearises one env step (frame skip included) around upright at rest
 * by central differences through MuJoCo, and solves the discrete Riccati equation. Dry cart
 * friction is left out of the linear model and cancelled by a feed-forward force instead. A heavier
 * pole, a weaker motor or more damping thus give a different gain.
 *
 * @example
 * const expert = await cartpoleLqrExpert({ poleMass: 0.2 });
 * const action = expert.act(env.reset(0));
 */
export async function cartpoleLqrExpert(
  config: CartpoleConfigInput | CartpoleConfig = {},
  options: CartpoleLqrOptions = {},
): Promise<CartpoleLqrExpert> {
  const c = parseCartpoleConfig(config, 'expert.env');
  // Dry friction has no derivative at rest (finite differences see a near-infinite damping);
  // design on the friction-free model and cancel the friction by feed-forward instead.
  const physics = await Physics.fromXml(cartpoleMjcf({ ...c, cartFriction: 0 }), 'expert (cartpole)');
  let model: { A: Matrix; B: Matrix };
  try {
    model = linearize(
      (x, u) => {
        physics.setState([x[0] as number, x[1] as number], [x[2] as number, x[3] as number]);
        physics.step(u, c.frameSkip);
        const q = physics.qpos();
        const v = physics.qvel();
        return [q[0] as number, q[1] as number, v[0] as number, v[1] as number];
      },
      [0, 0, 0, 0],
      [0],
    );
  } finally {
    physics.dispose();
  }
  const { K } = solveDare(model.A, model.B, diag([...(options.stateCost ?? [1, 10, 0.1, 0.1])]), [
    [options.actionCost ?? 1],
  ]);
  const gain = Object.freeze([...(K[0] as number[])]);
  return {
    name: 'cartpole-lqr',
    gain,
    A: model.A,
    B: model.B,
    act: (obs) => {
      const s = cartpoleState(obs);
      return Float64Array.of(clampUnit(lqrAction(gain, s) + frictionCompensation(c, s[2]) / c.gear));
    },
    dispose: () => {},
    [Symbol.dispose]: () => {},
  };
}

/** `-K s` (unclipped). */
export function lqrAction(gain: readonly number[], state: readonly number[]): number {
  let u = 0;
  for (let i = 0; i < gain.length; i++) u -= (gain[i] as number) * (state[i] as number);
  return u;
}

/** Speed below which dry-friction compensation fades out (avoids chattering at rest), m/s. */
const FRICTION_SPEED = 0.05;

/** A force cancelling the cart's dry friction while it moves (faded out near rest), N. */
export function frictionCompensation(c: CartpoleConfig, xdot: number): number {
  return c.cartFriction * Math.tanh(xdot / FRICTION_SPEED);
}
