export {
  CARTPOLE_TASKS,
  type CartpoleConfig,
  type CartpoleConfigInput,
  type CartpoleTask,
  cartpoleConfigSchema,
} from './cartpole-config.js';
export { CARTPOLE_OBSERVATION, CartpoleEnv, parseCartpoleConfig } from './cartpole-env.js';
export { cartpoleMjcf } from './cartpole-mjcf.js';
