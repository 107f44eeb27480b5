/**
 * @peftkit/robotics: robot-policy plugin. Episodes (LeRobot, robomimic, npz, JSONL), MuJoCo
 * environments with scripted experts and seeded rollouts, the policy-input preprocessor, MLP and
 * transformer policies, action heads, presets.
 */
export * from './dagger/index.js';
export * from './data/index.js';
export * from './envs/index.js';
export * from './experts/index.js';
export * from './heads/index.js';
export * from './models/index.js';
export { roboticsPlugin } from './plugin.js';
export * from './preprocess/index.js';
export * from './presets/index.js';
export * from './rollout/index.js';
