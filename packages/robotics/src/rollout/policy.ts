/** An action as a policy returns it: any array of numbers (clipped into the action space by the env). */
export type Action = ArrayLike<number>;

/** A policy for one env at a time: observation in, action out, sync or async. */
export type PolicyFn = (observation: Float64Array) => Action | Promise<Action>;

/**
 * A policy evaluated on several envs in lockstep (one call per step for all of them), the
 * efficient form for neural policies. `slots` says which env each observation came from, so a
 * policy with memory (observation history) can keep one state per slot.
 */
export interface BatchPolicy {
  actBatch(
    observations: readonly Float64Array[],
    slots: readonly number[],
  ): readonly Action[] | Promise<readonly Action[]>;
  /** A new episode starts in `slot`: forget that slot's history. */
  reset?(slot: number): void;
}

/** Either policy form. */
export type Policy = PolicyFn | BatchPolicy;

export function isBatchPolicy(policy: Policy): policy is BatchPolicy {
  return typeof policy !== 'function' && typeof policy.actBatch === 'function';
}
