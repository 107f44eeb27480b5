import { UserError } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { wrapAngle } from '../angles.js';
import { CARTPOLE_OBSERVATION, CartpoleEnv } from './cartpole-env.js';

/** Runs `actions` from `seed` and returns every observation (reset first). */
async function run(config: Parameters<typeof CartpoleEnv.create>[0], seed: number, actions: number[][]) {
  const env = await CartpoleEnv.create(config);
  try {
    const out = [env.reset(seed)];
    for (const a of actions) {
      const r = env.step(a);
      out.push(r.observation);
      if (r.terminated || r.truncated) break;
    }
    return out;
  } finally {
    env.dispose();
  }
}

const angleOf = (o: Float64Array) => Math.atan2(o[2] as number, o[1] as number);
const constant = (n: number, a: number) => Array.from({ length: n }, () => [a]);

describe('cartpole env', () => {
  it('declares spaces, labels and its control period', async () => {
    const env = await CartpoleEnv.create({ timestep: 0.005, frameSkip: 4 });
    expect(env.id).toBe('cartpole');
    expect(env.observationSpace.shape).toEqual([5]);
    expect(env.observationLabels).toEqual(CARTPOLE_OBSERVATION);
    expect(env.actionSpace.shape).toEqual([1]);
    expect(Array.from(env.actionSpace.low)).toEqual([-1]);
    expect(Array.from(env.actionSpace.high)).toEqual([1]);
    expect(env.dt).toBeCloseTo(0.02, 12);
    expect(env.maxSteps).toBe(250);
    env.dispose();
  });

  it('starts near upright for balance and hanging for swingup, within initNoise', async () => {
    const balance = await CartpoleEnv.create({ initNoise: 0.05 });
    const swingup = await CartpoleEnv.create({ task: 'swingup', initNoise: 0.05 });
    for (let seed = 0; seed < 20; seed++) {
      const b = balance.reset(seed);
      const s = swingup.reset(seed);
      expect(Math.abs(angleOf(b))).toBeLessThanOrEqual(0.05);
      expect(Math.abs(wrapAngle(angleOf(s) - Math.PI))).toBeLessThanOrEqual(0.05);
      expect(Math.abs(b[0] as number)).toBeLessThanOrEqual(0.05);
      expect((b[1] as number) ** 2 + (b[2] as number) ** 2).toBeCloseTo(1, 12);
      expect(balance.observationSpace.contains(b)).toBe(true);
    }
    balance.dispose();
    swingup.dispose();
  });

  it('is bit-identical per seed, whatever ran before, and differs across seeds', async () => {
    const actions = Array.from({ length: 60 }, (_, i) => [Math.sin(i / 5)]);
    const fresh = await run({ terminateAngle: null }, 7, actions);
    const env = await CartpoleEnv.create({ terminateAngle: null });
    env.reset(3);
    for (let i = 0; i < 30; i++) env.step([1]);
    const reused = [env.reset(7)];
    for (const a of actions) reused.push(env.step(a).observation);
    env.dispose();
    expect(reused.length).toBe(fresh.length);
    expect(reused.map((o) => Array.from(o))).toEqual(fresh.map((o) => Array.from(o)));
    const other = await run({ terminateAngle: null }, 8, actions);
    expect(Array.from(other[0] as Float64Array)).not.toEqual(Array.from(fresh[0] as Float64Array));
  });

  it('clips actions into the action space', async () => {
    const huge = await run({}, 1, constant(10, 50));
    const one = await run({}, 1, constant(10, 1));
    expect(huge.map((o) => Array.from(o))).toEqual(one.map((o) => Array.from(o)));
    const env = await CartpoleEnv.create({ gear: 12 });
    env.reset(0);
    expect(env.step([-3]).info['force']).toBe(-12);
    expect(() => env.step([Number.NaN])).toThrow('cartpole action[0] is NaN');
    expect(() => env.step([0, 0])).toThrow('cartpole action has 2 values, expected 1');
    env.dispose();
  });

  it('truncates at maxSteps and refuses steps after the end or before reset', async () => {
    const env = await CartpoleEnv.create({ task: 'swingup', maxSteps: 5, successSteps: 1 });
    expect(() => env.step([0])).toThrow('call reset(seed) first');
    env.reset(0);
    const results = Array.from({ length: 5 }, () => env.step([0]));
    expect(results.map((r) => r.truncated)).toEqual([false, false, false, false, true]);
    expect(results.every((r) => !r.terminated)).toBe(true);
    expect(results[4]?.info.step).toBe(5);
    expect(results[4]?.info.time).toBeCloseTo(5 * env.dt, 12);
    expect(() => env.step([0])).toThrow('episode is over');
    env.dispose();
  });

  it('terminates a balance episode when the pole falls past terminateAngle', async () => {
    const env = await CartpoleEnv.create({ terminateAngle: 0.3 });
    env.reset(2);
    let last = env.step([0]);
    while (!last.terminated && !last.truncated) last = env.step([0]);
    expect(last.terminated).toBe(true);
    expect(last.truncated).toBe(false);
    expect(Math.abs(last.info['poleAngle'] as number)).toBeGreaterThan(0.3);
    expect(last.info.isSuccess).toBe(false);
    env.dispose();
  });

  it('rewards upright poles and reports success only after successSteps upright steps', async () => {
    const env = await CartpoleEnv.create({ gravity: 0, initNoise: 0, successSteps: 3, controlCost: 0 });
    env.reset(0);
    const rs = [env.step([0]), env.step([0]), env.step([0])];
    expect(rs.map((r) => r.reward)).toEqual([1, 1, 1]);
    expect(rs.map((r) => r.info.isSuccess)).toEqual([false, false, true]);
    env.dispose();
  });

  it('physics fields change behaviour: gravity, pole mass, gear', async () => {
    const fall = (o: Float64Array[]) => Math.abs(angleOf(o.at(-1) as Float64Array));
    const still = await run({ gravity: 0, terminateAngle: null, initNoise: 0.01 }, 4, constant(50, 0));
    const normal = await run({ terminateAngle: null, initNoise: 0.01 }, 4, constant(50, 0));
    expect(fall(still)).toBeLessThan(0.05);
    expect(fall(normal)).toBeGreaterThan(5 * fall(still));

    // The same push moves a cart with a heavier pole less, and a stronger motor more.
    const x = (o: Float64Array[]) => (o.at(-1) as Float64Array)[0] as number;
    const base = { initNoise: 0, gravity: 0 };
    const light = x(await run(base, 0, constant(10, 0.5)));
    const heavy = x(await run({ ...base, poleMass: 1.5 }, 0, constant(10, 0.5)));
    const strong = x(await run({ ...base, gear: 40 }, 0, constant(10, 0.5)));
    expect(heavy).toBeLessThan(light * 0.9);
    expect(strong).toBeGreaterThan(light * 1.5);
  });

  it('dry friction holds the cart against a weak push', async () => {
    const x = async (cartFriction: number) =>
      (
        (await run({ initNoise: 0, gravity: 0, cartFriction }, 0, constant(10, 0.05))).at(-1) as Float64Array
      )[0] as number;
    expect(await x(0)).toBeGreaterThan(0.01);
    expect(Math.abs(await x(2))).toBeLessThan(1e-3);
  });

  it('rejects a bad config with one line naming the field', async () => {
    const error = await CartpoleEnv.create({ poleMass: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('env.poleMass must be > 0');
    await expect(CartpoleEnv.create({ polMass: 1 } as never, 'rollout.env')).rejects.toThrow(
      "rollout.env.polMass is not a known field (did you mean 'poleMass'?)",
    );
    await expect(CartpoleEnv.create({ frameSkip: 1.5 })).rejects.toThrow('env.frameSkip must be an integer');
    await expect(CartpoleEnv.create({ maxSteps: 10 })).rejects.toThrow(
      'env.successSteps must be <= maxSteps (10)',
    );
    const message = ((await CartpoleEnv.create({ task: 'swing' as never }).catch((e: unknown) => e)) as Error)
      .message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('env.task must be one of "balance", "swingup", got \'swing\'');
  });
});
