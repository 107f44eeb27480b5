/**
 * A scripted controller that maps an env observation to an action, used to collect
 * demonstrations and to label states for DAgger. Experts are derived from an env's physics
 * config, so a shifted env gets a re-derived expert. Some hold a private MuJoCo model: `dispose()`.
 */
export interface Expert {
  readonly name: string;
  /** The action for `observation`, inside the env's action space. */
  act(observation: ArrayLike<number>): Float64Array;
  dispose(): void;
  [Symbol.dispose](): void;
}

export function clampUnit(x: number): number {
  return Math.max(-1, Math.min(1, x));
}
