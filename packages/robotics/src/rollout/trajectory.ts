/** What one episode did, step by step, for plots and for DAgger relabelling. */
export interface Trajectory {
  readonly seed: number;
  /** Env control period, s: step t happens at time t * dt. */
  readonly dt: number;
  readonly observationLabels: readonly string[];
  /** Observations at steps 0..T (the reset observation first). */
  readonly observations: Float64Array[];
  /** Actions applied at steps 0..T-1 (after clipping into the action space). */
  readonly actions: Float64Array[];
  /** Rewards received for steps 1..T. */
  readonly rewards: number[];
  /** Numeric `info` quantities for steps 1..T (e.g. `poleAngle`, `tipX`). */
  readonly info: Record<string, number[]>;
}

/**
 * A named signal over time as `[time, value]` points: an `info` quantity (steps 1..T), an
 * observation label (steps 0..T), or a function of the trajectory and step.
 */
export function trajectorySignal(
  trajectory: Trajectory,
  signal: string | ((trajectory: Trajectory, step: number) => number),
): [number, number][] {
  const { dt } = trajectory;
  if (typeof signal === 'function') {
    return trajectory.observations.map((_, t) => [t * dt, signal(trajectory, t)]);
  }
  const quantity = trajectory.info[signal];
  if (quantity) return quantity.map((v, i) => [(i + 1) * dt, v]);
  const dim = trajectory.observationLabels.indexOf(signal);
  if (dim >= 0) return trajectory.observations.map((o, t) => [t * dt, o[dim] as number]);
  const known = [...Object.keys(trajectory.info), ...trajectory.observationLabels];
  throw new Error(`trajectorySignal: no signal '${signal}' (known: ${known.join(', ')})`);
}
