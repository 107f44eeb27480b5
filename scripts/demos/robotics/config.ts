/** What the demo spends: demonstrations, steps, evaluation episodes. Every method gets the same. */
export interface RoboticsDemoBudget {
  /** Expert episodes in the source physics that the base is cloned from. */
  readonly sourceEpisodes: number;
  /** Expert episodes in the shifted physics: all the adaptation methods see. */
  readonly targetEpisodes: number;
  /** Full-training steps of the base (behaviour cloning). */
  readonly pretrainSteps: number;
  /** Optimizer steps of each adaptation method. */
  readonly adaptSteps: number;
  /** Fixed-seed evaluation episodes per env (seeds 1000...; collection uses 0... and 500...). */
  readonly evalEpisodes: number;
  readonly seed: number;
}

/** The default budget: about 3 minutes on 2 cores with the wasm backend. */
export const DEFAULT_BUDGET: RoboticsDemoBudget = {
  sourceEpisodes: 20,
  targetEpisodes: 10,
  pretrainSteps: 500,
  adaptSteps: 300,
  evalEpisodes: 20,
  seed: 42,
};

/** `--quick`: the whole pipeline in well under a minute; the numbers are not meaningful. */
export const QUICK_BUDGET: RoboticsDemoBudget = {
  sourceEpisodes: 6,
  targetEpisodes: 3,
  pretrainSteps: 60,
  adaptSteps: 30,
  evalEpisodes: 4,
  seed: 42,
};

/**
 * Cart-pole swing-up. Balance alone is too forgiving to show a shift (the source LQR still
 * balances a pole 2-4x heavier or with 1/4 the gear): swing-up needs the motor's strength in
 * its energy pumping, so halving the gear breaks a policy tuned to the old motor.
 */
export const SOURCE_ENV = { id: 'cartpole', task: 'swingup' } as const;

/** The same robot with a motor half as strong (20 N -> 10 N at full command). */
export const TARGET_ENV = { id: 'cartpole', task: 'swingup', gear: 10 } as const;

/** Collection seeds: source episodes 0..., target episodes 500..., evaluation 1000... */
export const TARGET_SEED_START = 500;

/** DART noise on the executed action while collecting, so demos cover recoveries. */
export const ACTION_NOISE = 0.2;

export const PRETRAIN_PRESET = 'robotics/behavior-cloning';
export const ADAPT_PRESET = 'robotics/dynamics-shift';
