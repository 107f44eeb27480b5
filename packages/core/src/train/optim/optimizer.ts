import type * as tf from '@tensorflow/tfjs';
import type { NamedParameter } from '../param-groups.js';

/** A parameter group as the optimizer holds it: defaults resolved, `lr`/`weightDecay` mutable. */
export interface OptimizerGroup {
  readonly name: string;
  readonly params: readonly NamedParameter[];
  /** Current learning rate; schedules overwrite it before each step. */
  lr: number;
  weightDecay: number;
}

/** Scalar hyper-parameters of an optimizer (betas, eps, momentum, ...), JSON-serialisable. */
export type OptimizerOptionValues = Record<string, number | boolean>;

/** Everything besides tensors needed for an exact resume; plain JSON. */
export interface OptimizerHyper {
  /** `'adamw' | 'adam' | 'sgd'`; `setState` refuses a state of another kind. */
  kind: string;
  options: OptimizerOptionValues;
  groups: { name: string; lr: number; weightDecay: number; params: string[] }[];
  /** Per-parameter update count (bias correction uses it; a step without a grad skips it). */
  paramSteps: Record<string, number>;
}

/**
 * A snapshot of optimizer state. `tensors` are keyed `<slot>.<path>` (`exp_avg.encoder.w`) and
 * are owned by whoever holds the snapshot: `getState` returns fresh copies, `setState` copies in.
 */
export interface OptimizerState {
  /** Number of `step()` calls so far. */
  step: number;
  tensors: Map<string, tf.Tensor>;
  hyper: OptimizerHyper;
}

/** What every peftkit optimizer offers. Gradients are keyed by parameter path. */
export interface Optimizer {
  readonly kind: string;
  readonly groups: readonly OptimizerGroup[];
  /** Number of `step()` calls so far (restored by `setState`). */
  readonly stepCount: number;
  /**
   * Updates every parameter that has a gradient; parameters without one are skipped (no state
   * change, no weight decay). Unknown paths and shape mismatches throw before anything changes.
   * The caller still owns (and disposes) `grads`.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>): void;
  /** Forgets all state as if freshly built (group `lr`/`weightDecay` are kept). */
  zeroState(): void;
  getState(): OptimizerState;
  /** Restores a `getState()` snapshot, including hyper-parameters, like torch's `load_state_dict`. */
  setState(state: OptimizerState): void;
  /** Bytes held by optimizer state tensors. */
  stateBytes(): number;
  dispose(): void;
}
