import { wrapAngle } from '../envs/angles.js';
import { Physics } from '../envs/physics.js';
import {
  parseReacherConfig,
  type ReacherConfig,
  type ReacherConfigInput,
  reacherMjcf,
} from '../envs/reacher/index.js';
import { clampUnit, type Expert } from './expert.js';

export interface ReacherExpertOptions {
  /** Natural frequency of the joint-space servo, rad/s. Default 8. */
  readonly frequency?: number;
  /** Damping ratio of the servo. Default 1 (critically damped). */
  readonly dampingRatio?: number;
  /** Largest joint speed the servo aims for, rad/s: keeps saturated moves from overshooting. Default 6. */
  readonly maxSpeed?: number;
}

/** Joint angles putting a two-link arm's fingertip at `(x, y)`, elbow chosen near `elbowNow`. */
export function reacherInverseKinematics(
  c: Pick<ReacherConfig, 'link1Length' | 'link2Length'>,
  x: number,
  y: number,
  elbowNow = 0,
): [number, number] {
  const l1 = c.link1Length;
  const l2 = c.link2Length;
  const cosElbow = Math.max(-1, Math.min(1, (x * x + y * y - l1 * l1 - l2 * l2) / (2 * l1 * l2)));
  const magnitude = Math.acos(cosElbow);
  // Two mirror solutions; keep the one needing the smaller elbow motion.
  const elbow =
    Math.abs(wrapAngle(magnitude - elbowNow)) <= Math.abs(wrapAngle(-magnitude - elbowNow))
      ? magnitude
      : -magnitude;
  const shoulder = Math.atan2(y, x) - Math.atan2(l2 * Math.sin(elbow), l1 + l2 * Math.cos(elbow));
  return [shoulder, elbow];
}

/**
 * A reacher expert: inverse kinematics gives the joint angles that put the fingertip on the
 * goal, and a computed-torque servo drives the joints there. The servo asks for the joint
 * acceleration of a critically damped second-order system (speed-limited), and turns it into
 * torques with the arm's own mass matrix and bias forces from MuJoCo, plus its joint damping
 * and a dry-friction feed-forward, all from `config`. Heavier links, a weaker motor or more
 * friction therefore give a re-derived controller. Holds a private MuJoCo model: `dispose()`.
 *
 * @example
 * const expert = await reacherExpert({ jointFriction: 0.006 });
 * const action = expert.act(env.reset(0));
 */
export async function reacherExpert(
  config: ReacherConfigInput | ReacherConfig = {},
  options: ReacherExpertOptions = {},
): Promise<Expert> {
  const c = parseReacherConfig(config, 'expert.env');
  const physics = await Physics.fromXml(reacherMjcf(c), 'expert (reacher)');
  const wn = options.frequency ?? 8;
  const zeta = options.dampingRatio ?? 1;
  const maxSpeed = options.maxSpeed ?? 6;
  const kp = wn / (2 * zeta); // position error -> desired speed, so that speed tracking at 2 zeta wn gives wn^2
  const kd = 2 * zeta * wn;

  const act = (obs: ArrayLike<number>): Float64Array => {
    const q1 = Math.atan2(obs[1] as number, obs[0] as number);
    const q2 = Math.atan2(obs[3] as number, obs[2] as number);
    const v = [obs[4] as number, obs[5] as number];
    const target = reacherInverseKinematics(c, obs[6] as number, obs[7] as number, q2);
    const q = [q1, q2];
    physics.setState(q, v);
    const { mass, bias } = physics.dynamics();
    const accel = [0, 1].map((j) => {
      const error = wrapAngle((target[j] as number) - (q[j] as number));
      const speed = Math.max(-maxSpeed, Math.min(maxSpeed, kp * error));
      return kd * (speed - (v[j] as number));
    });
    const action = new Float64Array(2);
    for (let j = 0; j < 2; j++) {
      const vj = v[j] as number;
      const torque =
        (mass[j * 2] as number) * (accel[0] as number) +
        (mass[j * 2 + 1] as number) * (accel[1] as number) +
        (bias[j] as number) +
        c.jointDamping * vj +
        c.jointFriction * Math.tanh((accel[j] as number) / FRICTION_ACCEL);
      action[j] = clampUnit(torque / c.gear);
    }
    return action;
  };
  return {
    name: 'reacher-ik-servo',
    act,
    dispose: () => physics.dispose(),
    [Symbol.dispose]: () => physics.dispose(),
  };
}

/** Commanded joint acceleration below which dry-friction feed-forward fades out, rad/s^2. */
const FRICTION_ACCEL = 1;
