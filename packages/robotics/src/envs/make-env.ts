import { didYouMean, isPlainObject, UserError, type z } from '@peftkit/core';
import { type CartpoleConfigInput, CartpoleEnv, cartpoleConfigSchema } from './cartpole/index.js';
import type { Env } from './env.js';
import { type ReacherConfigInput, ReacherEnv, reacherConfigSchema } from './reacher/index.js';

/** Every environment by id: its config schema and its constructor. */
export const ENVIRONMENTS = {
  cartpole: { schema: cartpoleConfigSchema, create: CartpoleEnv.create },
  reacher: { schema: reacherConfigSchema, create: ReacherEnv.create },
} as const satisfies Record<
  string,
  { schema: z.ZodType; create: (config: never, where?: string) => Promise<Env<unknown>> }
>;

export type EnvId = keyof typeof ENVIRONMENTS;
export const ENV_IDS = Object.keys(ENVIRONMENTS) as EnvId[];

/** An env id plus its config fields, as written in a run config (`{ id: 'cartpole', poleMass: 0.2 }`). */
export type EnvSpec = ({ id: 'cartpole' } & CartpoleConfigInput) | ({ id: 'reacher' } & ReacherConfigInput);

/**
 * Builds an env from a spec. Any problem (unknown id, bad or unknown field) is a one-line
 * `UserError` naming `where.<field>`.
 *
 * @example
 * const env = await makeEnv({ id: 'cartpole', task: 'swingup', gear: 5 });
 */
export async function makeEnv(spec: EnvSpec, where = 'env'): Promise<Env<unknown>> {
  const { id, config } = splitSpec(spec, where);
  return ENVIRONMENTS[id].create(config as never, where);
}

/** Separates and checks the `id` of an env spec; the rest is that env's config. */
export function splitSpec(spec: unknown, where = 'env'): { id: EnvId; config: Record<string, unknown> } {
  if (!isPlainObject(spec))
    throw new UserError(`${where} must be an object with an id (${ENV_IDS.join(', ')})`);
  const { id, ...config } = spec as Record<string, unknown>;
  if (typeof id !== 'string' || !(id in ENVIRONMENTS)) {
    const got = typeof id === 'string' ? `'${id}'${didYouMean(id, ENV_IDS)}` : String(id);
    throw new UserError(`${where}.id must be one of ${ENV_IDS.map((i) => `'${i}'`).join(', ')}, got ${got}`);
  }
  return { id: id as EnvId, config };
}
