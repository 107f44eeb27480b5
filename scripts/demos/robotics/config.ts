import type { EnvSpec } from '@peftkit/robotics';

/** What one scenario spends: demonstrations, steps, evaluation episodes. Every method gets the same. */
export interface ScenarioBudget {
  /** Expert episodes in the source setting that the base is cloned from. */
  readonly sourceEpisodes: number;
  /** Expert episodes in the shifted setting: all the adaptation methods see. */
  readonly targetEpisodes: number;
  /** Full-training steps of the base (behaviour cloning). */
  readonly pretrainSteps: number;
  /** Optimizer steps of each adaptation method. */
  readonly adaptSteps: number;
  /** Fixed-seed evaluation episodes per env (seeds 1000...; collection uses 0... and 500...). */
  readonly evalEpisodes: number;
}

/** The budget of each scenario (null: not run) and the seeds. */
export interface RoboticsDemoBudget {
  readonly weakMotor: ScenarioBudget | null;
  readonly newGoal: ScenarioBudget | null;
  /** Seed of the base's pretraining (and of the first adaptation). */
  readonly seed: number;
  /**
   * Training seeds of every adaptation row: each method is trained once per seed from the same
   * base and demonstrations, and the table reports mean ± std over them.
   */
  readonly trainSeeds: readonly number[];
}

/** The default budget: about 2 minutes on 2 cores with the wasm backend. */
export const DEFAULT_BUDGET: RoboticsDemoBudget = {
  weakMotor: {
    sourceEpisodes: 20,
    targetEpisodes: 10,
    pretrainSteps: 500,
    adaptSteps: 300,
    evalEpisodes: 20,
  },
  // The reacher needs more source episodes to clone (its goals vary per episode) and more steps.
  newGoal: { sourceEpisodes: 100, targetEpisodes: 10, pretrainSteps: 800, adaptSteps: 300, evalEpisodes: 20 },
  seed: 42,
  trainSeeds: [42, 43, 44],
};

/** `--quick`: the whole pipeline in well under a minute; the numbers are not meaningful. */
export const QUICK_BUDGET: RoboticsDemoBudget = {
  weakMotor: { sourceEpisodes: 6, targetEpisodes: 3, pretrainSteps: 60, adaptSteps: 30, evalEpisodes: 4 },
  newGoal: { sourceEpisodes: 10, targetEpisodes: 3, pretrainSteps: 60, adaptSteps: 30, evalEpisodes: 4 },
  seed: 42,
  trainSeeds: [42],
};

/** An env and its physics, as `makeEnv` and the `robotics/rollout` options take it. */
export type EnvConfig = EnvSpec;

/** One table of the demo: a source setting, a shifted one, and the preset that adapts. */
export interface Scenario {
  readonly id: 'weak-motor' | 'new-goal';
  readonly title: string;
  /** Short name of the shifted setting, for column headers. */
  readonly shift: string;
  /** One line: what changes between source and target. */
  readonly story: string;
  readonly sourceEnv: EnvConfig;
  readonly targetEnv: EnvConfig;
  readonly adaptPreset: string;
  /** What success means in this env. */
  readonly success: string;
}

/**
 * Cart-pole swing-up with a motor half as strong. Balance alone is too forgiving to show a shift
 * (the source LQR still balances a pole 2-4x heavier or with 1/4 the gear), and a 2x heavier pole
 * still lets the source swing-up expert succeed on every seed: halving the gear does not.
 */
export const WEAK_MOTOR: Scenario = {
  id: 'weak-motor',
  title: 'a cart-pole swing-up policy meets a motor half as strong',
  shift: 'weak motor',
  story: 'MuJoCo cart-pole swing-up; the shift: `gear` 20 -> 10 N (the motor pushes half as hard)',
  sourceEnv: { id: 'cartpole', task: 'swingup' },
  targetEnv: { id: 'cartpole', task: 'swingup', gear: 10 },
  adaptPreset: 'robotics/dynamics-shift',
  success: 'pole within 0.2 rad of upright for the final 100 of 500 steps',
};

/** A two-link reacher trained on goals in front of it (right half-plane) asked to reach behind-left. */
export const NEW_GOAL: Scenario = {
  id: 'new-goal',
  title: 'a reacher policy meets goals in a region it never saw',
  shift: 'new goals',
  story:
    'MuJoCo two-link reacher; source goals at polar angle [-pi/2, pi/2], the shift: goals at [pi/2, pi] (upper-left quarter)',
  sourceEnv: { id: 'reacher', goalAngle: [-Math.PI / 2, Math.PI / 2] },
  targetEnv: { id: 'reacher', goalAngle: [Math.PI / 2, Math.PI] },
  adaptPreset: 'robotics/new-goal',
  success: 'fingertip within 15 mm of the goal for the final 10 of 100 steps',
};

/** Collection seeds: source episodes 0..., target episodes 500..., evaluation 1000... */
export const TARGET_SEED_START = 500;

/** DART noise on the executed action while collecting, so demos cover recoveries. */
export const ACTION_NOISE = 0.2;

export const PRETRAIN_PRESET = 'robotics/behavior-cloning';
