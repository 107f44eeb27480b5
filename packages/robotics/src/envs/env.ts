import type { BoxSpace } from './box-space.js';

/** What every step reports besides the observation and reward. */
export interface StepInfo {
  /** Steps taken since `reset` (1 after the first step). */
  readonly step: number;
  /** Simulated time since `reset`, seconds. */
  readonly time: number;
  /** The env's success criterion has held for its required number of consecutive steps. */
  readonly isSuccess: boolean;
  /** Env-specific named quantities (e.g. `poleAngle`, `tipDistance`). */
  readonly [quantity: string]: number | boolean;
}

/** The result of one `step`, as Gymnasium's `(observation, reward, terminated, truncated, info)`. */
export interface StepResult {
  readonly observation: Float64Array;
  readonly reward: number;
  /** The episode ended inside the task (e.g. the pole fell); no further steps are allowed. */
  readonly terminated: boolean;
  /** The episode hit its step limit; no further steps are allowed. */
  readonly truncated: boolean;
  readonly info: StepInfo;
}

/**
 * A simulated task with Gymnasium-like semantics. `reset(seed)` starts an episode whose initial
 * state depends only on the seed; `step(action)` clips the action into `actionSpace`, advances
 * the physics by one control period and reports the outcome. Episodes end when `terminated` or
 * `truncated` (at `maxSteps`). An env owns wasm memory: `dispose()` it.
 */
export interface Env<C = unknown> {
  /** Registry id (`cartpole`, `reacher`). */
  readonly id: string;
  /** The validated, frozen config the env was built from (physics, horizon, task fields). */
  readonly config: Readonly<C>;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** One name per observation dimension, in order. */
  readonly observationLabels: readonly string[];
  /** One name per action dimension, in order. */
  readonly actionLabels: readonly string[];
  /** Episode length limit: `truncated` is reported at this step. */
  readonly maxSteps: number;
  /** Control period in seconds (physics timestep times frame skip). */
  readonly dt: number;
  /** Starts an episode; the same seed gives a bit-identical initial observation and episode. */
  reset(seed: number): Float64Array;
  /** Applies `action` (clipped into `actionSpace`) for one control period. */
  step(action: ArrayLike<number>): StepResult;
  /** Frees the simulation. Safe to call twice. */
  dispose(): void;
  [Symbol.dispose](): void;
}
