/**
 * Scripted experts for data collection and DAgger labels, derived from an env's physics config:
 * LQR balance and energy swing-up for `cartpole`, IK + computed-torque servo for `reacher`.
 */
export {
  type CartpoleLqrExpert,
  type CartpoleLqrOptions,
  cartpoleLqrExpert,
  cartpoleState,
  frictionCompensation,
  lqrAction,
} from './cartpole-lqr.js';
export {
  type CartpoleSwingUpOptions,
  cartForce,
  cartpoleSwingUpExpert,
  type PoleDynamics,
  poleDynamics,
} from './cartpole-swingup.js';
export { type DareSolution, solveDare } from './dare.js';
export { clampUnit, type Expert } from './expert.js';
export type { Matrix } from './linalg.js';
export { linearize, type Transition } from './linearize.js';
export { makeExpert } from './make-expert.js';
export { type ReacherExpertOptions, reacherExpert, reacherInverseKinematics } from './reacher-expert.js';
