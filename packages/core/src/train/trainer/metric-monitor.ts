import type { AnyModule } from '../../nn/module.js';
import type { ResolvedFitOptions } from './resolve-options.js';

/** JSON form of the monitor, saved in `trainer_state.json`. */
export interface MonitorState {
  metric: string;
  mode: 'min' | 'max';
  best: number | null;
  bestStep: number | null;
  /** Evaluations since the last improvement by more than `minDelta` (early stopping). */
  badEvals: number;
}

/**
 * Tracks the monitored evaluation metric: the best value (for `checkpoints/best`) and the early
 * stopping counter. As in HF, the best value moves on any strict improvement, while early stopping
 * only resets its counter when the improvement over the previous best exceeds `minDelta`.
 * NaN never improves.
 */
export class MetricMonitor {
  private state: MonitorState;

  constructor(
    metric: string,
    mode: 'min' | 'max',
    private readonly earlyStopping?: { patience: number; minDelta: number; minSteps?: number },
  ) {
    this.state = { metric, mode, best: null, bestStep: null, badEvals: 0 };
  }

  /** The monitor a run needs: none without an eval loader. */
  static forRun<M extends AnyModule, B>(o: ResolvedFitOptions<M, B>): MetricMonitor | undefined {
    if (!o.monitor) return undefined;
    const es = o.earlyStopping;
    return new MetricMonitor(
      o.monitor.metric,
      o.monitor.mode,
      es && { patience: es.patience, minDelta: es.minDelta ?? 0, minSteps: es.minSteps ?? 0 },
    );
  }

  get metric(): string {
    return this.state.metric;
  }

  get mode(): 'min' | 'max' {
    return this.state.mode;
  }

  get best(): number | null {
    return this.state.best;
  }

  get bestStep(): number | null {
    return this.state.bestStep;
  }

  /**
   * Records an evaluation. `countForEarlyStopping: false` (the extra evaluation at the end of a
   * run) may update the best value but leaves the patience counter alone, so a run stopped and
   * resumed counts exactly like an uninterrupted one. Before `earlyStopping.minSteps` the counter
   * runs but never stops the run. Throws if the metric is missing (naming the available ones), since a
   * typo would otherwise silently disable early stopping.
   */
  observe(
    metrics: Readonly<Record<string, number>>,
    step: number,
    options: { countForEarlyStopping?: boolean } = {},
  ): { improved: boolean; shouldStop: boolean } {
    const { metric, mode } = this.state;
    if (!Object.hasOwn(metrics, metric)) {
      throw new Error(
        `fit: monitored metric '${metric}' is not among the evaluation results (${Object.keys(metrics).join(', ')})`,
      );
    }
    const value = metrics[metric] as number;
    const prev = this.state.best;
    const better = (delta: number) =>
      !Number.isNaN(value) &&
      (prev === null || (mode === 'min' ? value < prev - delta : value > prev + delta));
    const improved = better(0);
    const counting = this.earlyStopping !== undefined && (options.countForEarlyStopping ?? true);
    if (this.earlyStopping && counting)
      this.state.badEvals = better(this.earlyStopping.minDelta) ? 0 : this.state.badEvals + 1;
    if (improved) {
      this.state.best = value;
      this.state.bestStep = step;
    }
    const shouldStop =
      counting &&
      this.state.badEvals >= (this.earlyStopping?.patience ?? 0) &&
      step >= (this.earlyStopping?.minSteps ?? 0);
    return { improved, shouldStop };
  }

  getState(): MonitorState {
    return { ...this.state };
  }

  setState(s: MonitorState): void {
    if (s.metric !== this.state.metric || s.mode !== this.state.mode) {
      throw new Error(
        `resume: checkpoint monitors '${s.metric}' (${s.mode}), this run monitors '${this.state.metric}' (${this.state.mode})`,
      );
    }
    this.state = { ...s };
  }
}
