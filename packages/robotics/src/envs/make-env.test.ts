import { UserError } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { CartpoleEnv } from './cartpole/index.js';
import { ENV_IDS, makeEnv } from './make-env.js';
import { ReacherEnv } from './reacher/index.js';

describe('makeEnv', () => {
  it('builds each registered env from an id plus config fields', async () => {
    expect(ENV_IDS).toEqual(['cartpole', 'reacher']);
    const cartpole = await makeEnv({ id: 'cartpole', task: 'swingup', gear: 7 });
    expect(cartpole).toBeInstanceOf(CartpoleEnv);
    expect(cartpole.config).toMatchObject({ task: 'swingup', gear: 7, maxSteps: 500, terminateAngle: null });
    expect(Object.isFrozen(cartpole.config)).toBe(true);
    cartpole.dispose();
    const reacher = await makeEnv({ id: 'reacher', goalAngle: [0, 1] });
    expect(reacher).toBeInstanceOf(ReacherEnv);
    expect(Object.isFrozen((reacher.config as { goalAngle: number[] }).goalAngle)).toBe(true);
    reacher.dispose();
  });

  it('names an unknown id with a suggestion, and unknown fields under `where`', async () => {
    const error = await makeEnv({ id: 'cartpol' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      "env.id must be one of 'cartpole', 'reacher', got 'cartpol' (did you mean 'cartpole'?)",
    );
    await expect(makeEnv({ id: 'reacher', gravity: 1 } as never, 'eval.env')).rejects.toThrow(
      'eval.env.gravity is not a known field',
    );
    await expect(makeEnv(null as never)).rejects.toThrow(
      'env must be an object with an id (cartpole, reacher)',
    );
  });
});
