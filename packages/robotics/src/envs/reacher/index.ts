export { type ReacherConfig, type ReacherConfigInput, reacherConfigSchema } from './reacher-config.js';
export { parseReacherConfig, REACHER_OBSERVATION, ReacherEnv, reacherFingertip } from './reacher-env.js';
export { reacherMjcf } from './reacher-mjcf.js';
