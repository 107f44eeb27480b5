/** DAgger rounds on the shared Trainer: learner rollouts labelled by the env's expert, aggregated, retrained. */

export { DAGGER_USAGE, daggerMain } from './dagger-cli.js';
export {
  type DaggerOptions,
  type DaggerOptionsInput,
  type DaggerRoundPlan,
  daggerOptionsSchema,
  parseDaggerOptions,
  planRounds,
} from './dagger-options.js';
export { type LabelledRolloutOptions, type LabelledRollouts, labelledRollouts } from './labelled-rollouts.js';
export { type DaggerResult, type DaggerRoundRecord, type RunDaggerOptions, runDagger } from './run-dagger.js';
