import type { z } from 'zod';
import type { JsonValue } from './json.js';
import type { LoadedRun } from './run/load-run.js';

/** Contribution point for evaluators: `bind(Evaluator).toConstantValue(myEvaluator)`. */
export const Evaluator = Symbol.for('peftkit.Evaluator');

/** What `peftkit eval` gives an evaluator besides the run and its options. */
export interface EvaluatorContext {
  /** Progress lines (stderr in the CLI). */
  log(line: string): void;
  /** The `--out` directory, when given; files the evaluator returns are written there by the host. */
  readonly outDir?: string | undefined;
}

/** A file an evaluator produced (a plot, a per-episode report); the host writes it atomically. */
export interface EvaluatorFile {
  /** A plain file name (no directories), e.g. `eval_info.json`. */
  readonly name: string;
  readonly content: string | Uint8Array;
}

/** What an evaluation found. */
export interface EvaluationResult {
  /** Scalar results, printed by `peftkit eval` like data metrics. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Anything else worth keeping (per-episode results), printed with `--json`. */
  readonly details?: JsonValue;
  readonly files?: readonly EvaluatorFile[];
}

/**
 * A way to evaluate a trained run other than metrics on a dataset: acting in a simulator,
 * generating and scoring text, a benchmark harness. Selected with `peftkit eval --evaluator <id>`
 * or a run config's `evaluation.evaluator`; its options come from `--options` (JSON or a
 * `.json`/`.yaml` file) or `evaluation.options`, validated by `optionsSchema`.
 *
 * @example
 * const rollout: Evaluator<{ episodes: number }> = {
 *   id: 'robotics/rollout', description: 'success rate of the policy in a simulator',
 *   optionsSchema: z.strictObject({ episodes: z.number().int().positive().default(20) }),
 *   async evaluate(run, options, context) { ...; return { metrics: { pc_success: 85 } }; },
 * };
 */
export interface Evaluator<O = Record<string, unknown>> {
  /** Unique across plugins, conventionally `<domain>/<name>`. */
  readonly id: string;
  readonly description: string;
  /** Validates (and fills defaults of) the options; errors name the field. */
  readonly optionsSchema?: z.ZodType<O>;
  evaluate(run: LoadedRun, options: O, context: EvaluatorContext): Promise<EvaluationResult>;
}
