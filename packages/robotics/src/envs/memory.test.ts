import { describe, expect, it } from 'vitest';
import type { Env } from './env.js';
import { makeEnv } from './make-env.js';
import { loadMujoco, mujocoHeapBytes } from './mujoco-runtime.js';
import { Physics } from './physics.js';

async function cycle(i: number): Promise<Env<unknown>> {
  const env = await makeEnv(i % 2 === 0 ? { id: 'cartpole', poleMass: 0.1 + i / 1000 } : { id: 'reacher' });
  env.reset(i);
  env.step(new Array(env.actionSpace.size).fill(0.5));
  return env;
}

describe('env memory', () => {
  it('creating and disposing 200 envs keeps the wasm heap the same size', async () => {
    const mj = await loadMujoco();
    for (let i = 0; i < 10; i++) (await cycle(i)).dispose();
    const before = mujocoHeapBytes(mj);
    for (let i = 0; i < 200; i++) (await cycle(i)).dispose();
    expect(mujocoHeapBytes(mj)).toBe(before);
  });

  it('the heap measure does see envs that are not disposed', async () => {
    const mj = await loadMujoco();
    const before = mujocoHeapBytes(mj);
    const kept: Env<unknown>[] = [];
    for (let i = 0; i < 200; i++) kept.push(await cycle(i));
    const grown = mujocoHeapBytes(mj);
    for (const env of kept) env.dispose();
    expect(grown).toBeGreaterThan(before);
  });

  it('dispose is idempotent and use after dispose fails clearly', async () => {
    const env = await makeEnv({ id: 'cartpole' });
    env.dispose();
    env.dispose();
    expect(() => env.reset(0)).toThrow('Physics: used after dispose()');
    const physics = await Physics.fromXml(
      '<mujoco><worldbody><body><joint type="slide"/><geom size="0.1"/></body></worldbody></mujoco>',
    );
    expect(physics.nq).toBe(1);
    physics.dispose();
    expect(physics.isDisposed).toBe(true);
    expect(() => physics.qpos()).toThrow('used after dispose');
  });

  it('a model MuJoCo cannot compile is an error naming where it came from', async () => {
    await expect(
      Physics.fromXml('<mujoco><worldbody><geom type="nonsense"/></worldbody></mujoco>', 'test model'),
    ).rejects.toThrow(/^test model: MuJoCo could not compile the model/);
  });
});
