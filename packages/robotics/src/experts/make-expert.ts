import type { CartpoleConfig } from '../envs/cartpole/index.js';
import { parseCartpoleConfig } from '../envs/cartpole/index.js';
import type { Env } from '../envs/env.js';
import { type EnvSpec, splitSpec } from '../envs/make-env.js';
import { cartpoleLqrExpert } from './cartpole-lqr.js';
import { cartpoleSwingUpExpert } from './cartpole-swingup.js';
import type { Expert } from './expert.js';
import { reacherExpert } from './reacher-expert.js';

/**
 * The scripted expert for an env (or an env spec), designed for that env's physics:
 * `cartpole` balance -> LQR, `cartpole` swingup -> energy swing-up + LQR, `reacher` -> IK +
 * computed-torque servo.
 *
 * @example
 * const env = await makeEnv({ id: 'cartpole', gear: 10 });
 * const expert = await makeExpert(env);
 */
export async function makeExpert(target: Env<unknown> | EnvSpec, where = 'env'): Promise<Expert> {
  const { id, config } = isEnv(target) ? { id: target.id, config: target.config } : splitSpec(target, where);
  switch (id) {
    case 'cartpole': {
      const c: CartpoleConfig = parseCartpoleConfig(config, where);
      return c.task === 'swingup' ? cartpoleSwingUpExpert(c) : cartpoleLqrExpert(c);
    }
    case 'reacher':
      return reacherExpert(config as never);
    default:
      throw new Error(`makeExpert: no expert for env '${id}'`);
  }
}

function isEnv(x: Env<unknown> | EnvSpec): x is Env<unknown> {
  return typeof (x as Env<unknown>).step === 'function';
}
