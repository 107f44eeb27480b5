import { z } from '@peftkit/core';

/** `balance` starts near upright; `swingup` starts hanging down. */
export const CARTPOLE_TASKS = ['balance', 'swingup'] as const;
export type CartpoleTask = (typeof CARTPOLE_TASKS)[number];

/** Episode fields whose defaults depend on the task. */
const TASK_DEFAULTS: Record<
  CartpoleTask,
  { maxSteps: number; successSteps: number; terminateAngle: number | null }
> = {
  balance: { maxSteps: 250, successSteps: 50, terminateAngle: 0.5 },
  swingup: { maxSteps: 500, successSteps: 100, terminateAngle: null },
};

const positive = (d: number) => z.number().positive().finite().default(d);
const nonNegative = (d: number) => z.number().nonnegative().finite().default(d);

const fields = z
  .object({
    task: z.enum(CARTPOLE_TASKS).default('balance'),
    /** Cart mass, kg. */
    cartMass: positive(1),
    /** Pole mass, kg (spread uniformly along the pole). */
    poleMass: positive(0.5),
    /** Pole length from hinge to tip, m. */
    poleLength: positive(1),
    /** Pole radius, m (affects its inertia slightly). */
    poleRadius: positive(0.02),
    /** Force on the cart in N at action 1 (the motor's gear). */
    gear: positive(20),
    /** Viscous damping of the cart on its rail, N s/m. */
    cartDamping: nonNegative(0.1),
    /** Coulomb (dry) friction of the cart on its rail, N. */
    cartFriction: nonNegative(0.5),
    /** Viscous damping of the pole hinge, N m s/rad. */
    poleDamping: nonNegative(0.001),
    /** The cart can travel this far either side of the centre, m (a joint limit). */
    railLimit: positive(2.5),
    /** Gravitational acceleration, m/s^2. */
    gravity: nonNegative(9.81),
    /** Physics timestep, s. */
    timestep: z.number().positive().max(0.05).default(0.01),
    /** Physics steps per env step (the action is held for all of them). */
    frameSkip: z.number().int().min(1).max(100).default(2),
    /** Episode length in env steps (default: balance 250, swingup 500). */
    maxSteps: z.number().int().min(1).max(1_000_000).optional(),
    /** Half-width of the uniform noise on the initial cart position, pole angle and both velocities. */
    initNoise: nonNegative(0.05),
    /** End the episode when |pole angle| exceeds this, rad; null never (default: balance 0.5, swingup null). */
    terminateAngle: z.number().positive().max(Math.PI).nullable().optional(),
    /** The pole counts as upright within this angle of vertical, rad. */
    successAngle: z.number().positive().max(Math.PI).default(0.2),
    /** Success: upright for this many final steps (default: balance 50, swingup 100). */
    successSteps: z.number().int().min(1).optional(),
    /** Reward penalty per squared action. */
    controlCost: nonNegative(0.001),
  })
  .strict();

type Fields = z.output<typeof fields>;

function resolve(c: Fields) {
  const d = TASK_DEFAULTS[c.task];
  return {
    ...c,
    maxSteps: c.maxSteps ?? d.maxSteps,
    successSteps: c.successSteps ?? d.successSteps,
    terminateAngle: c.terminateAngle === undefined ? d.terminateAngle : c.terminateAngle,
  };
}

/**
 * The cart-pole config: physics (masses, length, motor gear, friction, damping, gravity,
 * timestep, frame skip) and episode fields (task, horizon, initial noise, success). Every field
 * has a default; unknown fields are rejected.
 */
export const cartpoleConfigSchema = fields
  .superRefine((c, ctx) => {
    const r = resolve(c);
    if (r.successSteps > r.maxSteps) {
      ctx.addIssue({
        code: 'custom',
        path: ['successSteps'],
        message: `must be <= maxSteps (${r.maxSteps})`,
      });
    }
    if (r.poleRadius * 2 >= r.poleLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['poleRadius'],
        message: `must be < poleLength / 2 (${r.poleLength / 2})`,
      });
    }
  })
  .transform(resolve);

/** A user-supplied cart-pole config (every field optional). */
export type CartpoleConfigInput = z.input<typeof cartpoleConfigSchema>;
/** A validated cart-pole config with every default filled in. */
export type CartpoleConfig = z.output<typeof cartpoleConfigSchema>;
