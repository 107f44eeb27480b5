import { Rng } from '@peftkit/core';
import type { BoxSpace } from './box-space.js';
import type { Env, StepInfo, StepResult } from './env.js';
import type { Physics } from './physics.js';

/** What a concrete env reports about the state reached after a step. */
export interface Assessment {
  readonly reward: number;
  readonly terminated: boolean;
  /** The success criterion holds at this step (the base class counts consecutive steps). */
  readonly successNow: boolean;
  /** Named quantities copied into `info`. */
  readonly quantities: Readonly<Record<string, number>>;
}

/** Positions and velocities read once per step (copies, safe to keep). */
export interface PhysicsState {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
}

/** Fixed facts a concrete env hands to the base class. */
export interface MujocoEnvSpec {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly observationLabels: readonly string[];
  readonly actionLabels: readonly string[];
  /** Physics timestep, s (as written into the MJCF). */
  readonly timestep: number;
  readonly frameSkip: number;
  readonly maxSteps: number;
  /** Consecutive steps the success criterion must hold for `info.isSuccess`. */
  readonly successSteps: number;
}

/**
 * The episode bookkeeping shared by MuJoCo envs: seeding, action clipping, frame skip, step
 * limit, success streaks, and ownership of the `Physics`. Subclasses say how an episode starts
 * (`startEpisode`), what is observed (`observe`) and how a state is scored (`assess`).
 */
export abstract class MujocoEnv<C> implements Env<C> {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly observationLabels: readonly string[];
  readonly actionLabels: readonly string[];
  readonly maxSteps: number;
  readonly dt: number;
  private readonly frameSkip: number;
  private readonly successSteps: number;
  private stepCount = 0;
  private successStreak = 0;
  private phase: 'new' | 'running' | 'done' = 'new';

  protected constructor(
    readonly config: Readonly<C>,
    protected readonly physics: Physics,
    spec: MujocoEnvSpec,
  ) {
    this.id = spec.id;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.observationLabels = Object.freeze([...spec.observationLabels]);
    this.actionLabels = Object.freeze([...spec.actionLabels]);
    this.maxSteps = spec.maxSteps;
    this.frameSkip = spec.frameSkip;
    this.successSteps = spec.successSteps;
    this.dt = spec.timestep * spec.frameSkip;
    if (spec.observationLabels.length !== spec.observationSpace.size) {
      throw new Error(
        `${spec.id}: ${spec.observationLabels.length} observation labels for ${spec.observationSpace.size} dims`,
      );
    }
  }

  /** Puts the physics in the episode's initial state; all randomness must come from `rng`. */
  protected abstract startEpisode(rng: Rng): void;
  /** The observation for a physics state (a fresh array). */
  protected abstract observe(state: PhysicsState): Float64Array;
  /** Scores the state reached by applying `action` (already clipped). */
  protected abstract assess(state: PhysicsState, action: Float64Array): Assessment;

  private readState(): PhysicsState {
    return { qpos: this.physics.qpos(), qvel: this.physics.qvel() };
  }

  reset(seed: number): Float64Array {
    if (!Number.isSafeInteger(seed))
      throw new Error(`${this.id}.reset: seed must be an integer, got ${seed}`);
    this.physics.reset();
    this.startEpisode(new Rng(seed));
    this.stepCount = 0;
    this.successStreak = 0;
    this.phase = 'running';
    return this.observe(this.readState());
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.phase !== 'running') {
      throw new Error(
        `${this.id}.step: ${this.phase === 'new' ? 'call reset(seed) first' : 'episode is over; call reset(seed)'}`,
      );
    }
    const applied = this.actionSpace.clip(action, `${this.id} action`);
    this.physics.step(applied, this.frameSkip);
    this.stepCount++;
    const state = this.readState();
    const observation = this.observe(state);
    const a = this.assess(state, applied);
    this.successStreak = a.successNow ? this.successStreak + 1 : 0;
    const truncated = !a.terminated && this.stepCount >= this.maxSteps;
    if (a.terminated || truncated) this.phase = 'done';
    const info: StepInfo = {
      ...a.quantities,
      step: this.stepCount,
      time: this.physics.time,
      isSuccess: this.successStreak >= this.successSteps,
    };
    return { observation, reward: a.reward, terminated: a.terminated, truncated, info };
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.stepCount;
  }

  dispose(): void {
    this.physics.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
