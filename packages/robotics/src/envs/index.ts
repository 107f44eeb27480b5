/**
 * Simulated environments on MuJoCo (wasm) with Gymnasium-like semantics, each generated from a
 * typed, zod-validated physics config: `cartpole` (balance / swing-up) and `reacher`.
 */
export { wrapAngle } from './angles.js';
export { BoxSpace } from './box-space.js';
export * from './cartpole/index.js';
export type { Env, StepInfo, StepResult } from './env.js';
export { ENV_IDS, ENVIRONMENTS, type EnvId, type EnvSpec, makeEnv, splitSpec } from './make-env.js';
export { type Assessment, MujocoEnv, type MujocoEnvSpec, type PhysicsState } from './mujoco-env.js';
export { loadMujoco, type Mujoco, mujocoHeapBytes } from './mujoco-runtime.js';
export { parseEnvConfig } from './parse-config.js';
export { Physics } from './physics.js';
export * from './reacher/index.js';
