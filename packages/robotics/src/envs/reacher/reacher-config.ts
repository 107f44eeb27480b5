import { z } from '@peftkit/core';

const positive = (d: number) => z.number().positive().finite().default(d);
const nonNegative = (d: number) => z.number().nonnegative().finite().default(d);
const round = (x: number) => Number(x.toPrecision(10));
const range = (lo: number, hi: number) =>
  z.tuple([z.number().finite(), z.number().finite()]).default([lo, hi]);

/**
 * The reacher config: a two-link planar arm (lengths, masses, motor gear, joint damping,
 * friction, armature, timestep, frame skip) and the task (the region goals are drawn from,
 * horizon, initial noise, success tolerance). Every field has a default; unknown fields are
 * rejected. The arm moves in the horizontal plane, so gravity does not act on it.
 */
export const reacherConfigSchema = z
  .object({
    /** Upper-arm length, shoulder to elbow, m. */
    link1Length: positive(0.1),
    /** Forearm length, elbow to fingertip, m. */
    link2Length: positive(0.11),
    /** Link masses, kg (each spread uniformly along its link). */
    link1Mass: positive(0.05),
    link2Mass: positive(0.05),
    /** Link radius, m. */
    linkRadius: positive(0.01),
    /** Torque in N m at action 1, both joints (the motors' gear). */
    gear: positive(0.05),
    /** Viscous joint damping, N m s/rad. */
    jointDamping: nonNegative(0.005),
    /** Coulomb (dry) joint friction, N m. */
    jointFriction: nonNegative(0.002),
    /** Rotor inertia added to each joint, kg m^2. */
    armature: nonNegative(0.001),
    /** Physics timestep, s. */
    timestep: z.number().positive().max(0.05).default(0.01),
    /** Physics steps per env step. */
    frameSkip: z.number().int().min(1).max(100).default(2),
    /** Episode length in env steps. */
    maxSteps: z.number().int().min(1).max(1_000_000).default(100),
    /** Goals are drawn uniformly (by area) at this distance range from the shoulder, m. */
    goalRadius: range(0.05, 0.2),
    /** ...and this polar angle range, rad (0 = +x, counter-clockwise). */
    goalAngle: range(-Math.PI, Math.PI),
    /** Half-width of the uniform noise on both initial joint angles, rad (velocities get a tenth). */
    initNoise: nonNegative(0.1),
    /** The fingertip counts as on the goal within this distance, m. */
    successTolerance: positive(0.015),
    /** Success: on the goal for this many final steps. */
    successSteps: z.number().int().min(1).default(10),
    /** Reward penalty per squared action norm. */
    controlCost: nonNegative(0.01),
  })
  .strict()
  .superRefine((c, ctx) => {
    const [rMin, rMax] = c.goalRadius;
    const reach = c.link1Length + c.link2Length;
    const inner = Math.abs(c.link1Length - c.link2Length);
    if (!(rMin <= rMax))
      ctx.addIssue({ code: 'custom', path: ['goalRadius'], message: 'must be [min, max] with min <= max' });
    else if (rMax > reach) {
      ctx.addIssue({
        code: 'custom',
        path: ['goalRadius'],
        message: `must stay within reach: max <= ${round(reach)} (link1Length + link2Length)`,
      });
    } else if (rMin < inner) {
      ctx.addIssue({
        code: 'custom',
        path: ['goalRadius'],
        message: `must stay within reach: min >= ${round(inner)} (|link1Length - link2Length|)`,
      });
    }
    const [aMin, aMax] = c.goalAngle;
    if (!(aMin <= aMax) || aMax - aMin > 2 * Math.PI) {
      ctx.addIssue({
        code: 'custom',
        path: ['goalAngle'],
        message: 'must be [min, max] with min <= max and max - min <= 2 pi',
      });
    }
    if (c.successSteps > c.maxSteps) {
      ctx.addIssue({
        code: 'custom',
        path: ['successSteps'],
        message: `must be <= maxSteps (${c.maxSteps})`,
      });
    }
    const shortest = Math.min(c.link1Length, c.link2Length);
    if (c.linkRadius * 2 >= shortest) {
      ctx.addIssue({
        code: 'custom',
        path: ['linkRadius'],
        message: `must be < half the shorter link (${round(shortest / 2)})`,
      });
    }
  });

/** A user-supplied reacher config (every field optional). */
export type ReacherConfigInput = z.input<typeof reacherConfigSchema>;
/** A validated reacher config with every default filled in. */
export type ReacherConfig = z.output<typeof reacherConfigSchema>;
