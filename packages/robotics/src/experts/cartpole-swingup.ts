import {
  type CartpoleConfig,
  type CartpoleConfigInput,
  cartpoleMjcf,
  parseCartpoleConfig,
} from '../envs/cartpole/index.js';
import { Physics } from '../envs/physics.js';
import {
  type CartpoleLqrOptions,
  cartpoleLqrExpert,
  cartpoleState,
  frictionCompensation,
} from './cartpole-lqr.js';
import { clampUnit, type Expert } from './expert.js';

export interface CartpoleSwingUpOptions {
  /** LQR weights for the balance phase. */
  readonly lqr?: CartpoleLqrOptions;
  /**
   * Largest cart acceleration used to pump energy, in g: bounds the cart's travel per swing.
   * Default: 0.5, or half of what the motor can give the cart after friction when that is less.
   */
  readonly pumpAcceleration?: number;
  /** Pump acceleration (in g) per unit of energy error (relative to the hanging energy) before the bound. Default 20. */
  readonly energyGain?: number;
  /** Pull back to the rail centre: cart acceleration per metre and per m/s. Default [1, 1]. */
  readonly centering?: readonly [number, number];
  /** Hand over to LQR within this angle of upright, rad. Default 0.35. */
  readonly switchAngle?: number;
}

/** Pole parameters the energy controller needs, read from MuJoCo's mass matrix. */
export interface PoleDynamics {
  /** Total moving mass (cart + pole), kg. */
  readonly totalMass: number;
  /** Pole mass times hinge-to-centre-of-mass distance, kg m. */
  readonly massLength: number;
  /** Pole inertia about the hinge (plus armature), kg m^2. */
  readonly hingeInertia: number;
}

/**
 * Energy-based swing-up (after Astrom & Furuta) with an LQR catch. Far from upright it drives
 * the pole's energy `E = J w^2 / 2 + m g l (cos angle - 1)` to the upright value 0: since
 * `dE/dt = -m l a w cos(angle)`, the cart is moved against `w cos(angle)` while energy is short
 * and with it when in excess. The pump acceleration is bounded (which bounds the cart's travel
 * per swing) and a pull back to the rail centre is added. Within `switchAngle` of upright it balances with the LQR gain. Mass, length and inertia come from the env's own model, so a shifted env gets a
 * re-derived controller.
 */
export async function cartpoleSwingUpExpert(
  config: CartpoleConfigInput | CartpoleConfig = {},
  options: CartpoleSwingUpOptions = {},
): Promise<Expert & { readonly gain: readonly number[]; readonly pole: PoleDynamics }> {
  const c = parseCartpoleConfig(config, 'expert.env');
  const lqr = await cartpoleLqrExpert(c, options.lqr);
  const pole = await poleDynamics(c);
  // Leave the motor headroom for the pole's reaction and friction: a saturated pump loses energy.
  const authority = (c.gear - c.cartFriction) / (pole.totalMass * c.gravity);
  const pumpMax = options.pumpAcceleration ?? Math.max(0.05, Math.min(0.5, 0.5 * authority));
  const kE = options.energyGain ?? 20;
  const [kx, kv] = options.centering ?? [1, 1];
  const cosSwitch = Math.cos(options.switchAngle ?? 0.35);
  const g = c.gravity;
  const hangingEnergy = 2 * pole.massLength * g;

  const act = (obs: ArrayLike<number>): Float64Array => {
    const s = cartpoleState(obs);
    const [x, angle, xdot, w] = s;
    if (Math.cos(angle) >= cosSwitch) return lqr.act(obs);
    const energy = 0.5 * pole.hingeInertia * w * w + pole.massLength * g * (Math.cos(angle) - 1);
    const swing = w * Math.cos(angle);
    // dE/dt = -m l a w cos(angle): to add energy, accelerate against w cos(angle).
    const direction = swing === 0 ? 1 : Math.sign(swing);
    const pump = g * Math.max(-pumpMax, Math.min(pumpMax, kE * (energy / hangingEnergy))) * direction;
    const accel = pump - kx * x - kv * xdot;
    return Float64Array.of(clampUnit(cartForce(c, pole, angle, xdot, w, accel) / c.gear));
  };
  return {
    name: `cartpole-swingup`,
    gain: lqr.gain,
    pole,
    act,
    dispose: () => {},
    [Symbol.dispose]: () => {},
  };
}

/** Reads the cart-pole's mass matrix at upright: [[M + m, m l], [m l, J]]. */
export async function poleDynamics(c: CartpoleConfig): Promise<PoleDynamics> {
  const physics = await Physics.fromXml(cartpoleMjcf(c), 'expert (cartpole)');
  try {
    physics.setState([0, 0], [0, 0]);
    const { mass } = physics.dynamics();
    return { totalMass: mass[0] as number, massLength: mass[1] as number, hingeInertia: mass[3] as number };
  } finally {
    physics.dispose();
  }
}

/**
 * The cart force that gives the cart acceleration `accel`, accounting for the pole's reaction
 * (collocated partial feedback linearisation of the cart-pole's equations of motion):
 * `F = (M + m) a + m l cos(angle) angle'' - m l sin(angle) w^2 + damping + friction`, with
 * `J angle'' = m g l sin(angle) - b w - m l cos(angle) a`.
 */
export function cartForce(
  c: CartpoleConfig,
  pole: PoleDynamics,
  angle: number,
  xdot: number,
  w: number,
  accel: number,
): number {
  const ml = pole.massLength;
  const sin = Math.sin(angle);
  const cos = Math.cos(angle);
  const angleAccel = (ml * c.gravity * sin - c.poleDamping * w - ml * cos * accel) / pole.hingeInertia;
  return (
    pole.totalMass * accel +
    ml * cos * angleAccel -
    ml * sin * w * w +
    c.cartDamping * xdot +
    frictionCompensation(c, xdot)
  );
}
