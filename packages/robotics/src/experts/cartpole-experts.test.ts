import { describe, expect, it } from 'vitest';
import {
  type CartpoleConfigInput,
  CartpoleEnv,
  cartpoleMjcf,
  parseCartpoleConfig,
} from '../envs/cartpole/index.js';
import { Physics } from '../envs/physics.js';
import { runRollouts } from '../rollout/run-rollouts.js';
import { cartpoleLqrExpert } from './cartpole-lqr.js';
import { cartForce, cartpoleSwingUpExpert, poleDynamics } from './cartpole-swingup.js';
import type { Expert } from './expert.js';
import { makeExpert } from './make-expert.js';

/** Default physics and the shifts the robotics issue names: pole mass x2, motor gear x0.5, friction x3. */
const SHIFTS: Record<string, CartpoleConfigInput> = {
  default: {},
  'poleMass x2': { poleMass: 1 },
  'gear x0.5': { gear: 10 },
  'friction x3': { cartFriction: 1.5, cartDamping: 0.3 },
};

async function successPercent(config: CartpoleConfigInput, expert: Expert, episodes = 20): Promise<number> {
  const result = await runRollouts({ id: 'cartpole', ...config }, expert.act, { episodes, record: false });
  return result.aggregated.pc_success;
}

describe('cart-pole LQR expert', () => {
  for (const [name, shift] of Object.entries(SHIFTS)) {
    it(`balances > 90% of seeded episodes, designed for its own physics (${name})`, async () => {
      const config = { task: 'balance', maxSteps: 150, successSteps: 50, initNoise: 0.1, ...shift } as const;
      expect(await successPercent(config, await cartpoleLqrExpert(config))).toBeGreaterThan(90);
    });
  }

  it('a heavier pole or a weaker motor needs a larger command for the same tilt', async () => {
    const tilted = Float64Array.of(0, Math.cos(0.1), Math.sin(0.1), 0, 0);
    const base = (await cartpoleLqrExpert()).act(tilted)[0] as number;
    const heavy = (await cartpoleLqrExpert({ poleMass: 1 })).act(tilted)[0] as number;
    const weak = (await cartpoleLqrExpert({ gear: 10 })).act(tilted)[0] as number;
    // Tilted towards +x: push the cart towards +x to get under the pole.
    expect(base).toBeGreaterThan(0);
    expect(heavy).toBeGreaterThan(base * 1.03);
    expect(weak).toBeGreaterThan(base * 1.2);
  });

  it('linearises the physics it was given: B scales with the gear, gravity makes upright unstable', async () => {
    const strong = await cartpoleLqrExpert({ gear: 20 });
    const weak = await cartpoleLqrExpert({ gear: 10 });
    const cartVelocityPerAction = (e: typeof strong) => (e.B[2] as number[])[0] as number;
    expect(cartVelocityPerAction(weak) / cartVelocityPerAction(strong)).toBeCloseTo(0.5, 6);
    const angleRate = (e: typeof strong) => (e.A[3] as number[])[1] as number;
    expect(angleRate(strong)).toBeGreaterThan(0.1);
    expect(Math.abs(angleRate(await cartpoleLqrExpert({ gravity: 0 })))).toBeLessThan(1e-6);
  });
});

describe('cart-pole swing-up expert', () => {
  for (const [name, shift] of Object.entries(SHIFTS)) {
    it(`swings up and balances > 90% of seeded episodes (${name})`, async () => {
      const config = { task: 'swingup', maxSteps: 400, successSteps: 50, ...shift } as const;
      expect(await successPercent(config, await cartpoleSwingUpExpert(config))).toBeGreaterThan(90);
    });
  }

  it('reads pole mass, centre of mass and inertia from the model', async () => {
    const c = parseCartpoleConfig({ cartMass: 1.5, poleMass: 0.4, poleLength: 0.8 });
    const pole = await poleDynamics(c);
    expect(pole.totalMass).toBeCloseTo(1.9, 9);
    expect(pole.massLength).toBeCloseTo(0.4 * 0.4, 9);
    // A thin rod about its end: m L^2 / 3 (the capsule's radius adds a little).
    expect(pole.hingeInertia / ((0.4 * 0.8 * 0.8) / 3)).toBeGreaterThan(0.98);
    expect(pole.hingeInertia / ((0.4 * 0.8 * 0.8) / 3)).toBeLessThan(1.02);
  });

  it('cartForce gives the cart the acceleration asked for (checked against MuJoCo)', async () => {
    const c = parseCartpoleConfig({ timestep: 0.0005, cartFriction: 0, gear: 1000 });
    const pole = await poleDynamics(c);
    const physics = await Physics.fromXml(cartpoleMjcf(c));
    try {
      for (const [angle, xdot, w, accel] of [
        [2.5, 0.3, -3, 4],
        [-1.2, -0.5, 5, -6],
        [0.2, 0, 0.5, 1],
      ] as const) {
        physics.setState([0, angle], [xdot, w]);
        physics.step([cartForce(c, pole, angle, xdot, w, accel) / c.gear], 1);
        const measured = ((physics.qvel()[0] as number) - xdot) / c.timestep;
        expect(measured).toBeCloseTo(accel, 1);
      }
    } finally {
      physics.dispose();
    }
  });
});

describe('makeExpert', () => {
  it('picks the expert for the env and task', async () => {
    const env = await CartpoleEnv.create({ task: 'swingup' });
    expect((await makeExpert(env)).name).toBe('cartpole-swingup');
    env.dispose();
    expect((await makeExpert({ id: 'cartpole' })).name).toBe('cartpole-lqr');
    const reacher = await makeExpert({ id: 'reacher' });
    expect(reacher.name).toBe('reacher-ik-servo');
    reacher.dispose();
    await expect(makeExpert({ id: 'cartpole', poleMas: 1 } as never)).rejects.toThrow(
      'env.poleMas is not a known field',
    );
  });
});
