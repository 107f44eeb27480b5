import { UserError, z } from '@peftkit/core';
import { parseEnvConfig } from '../envs/parse-config.js';

/**
 * `data.options.dagger` of a robotics run config: DAgger rounds after behaviour cloning, run by
 * `runDagger` (plain `peftkit train` ignores it and says so).
 */
export const daggerOptionsSchema = z
  .strictObject({
    /**
     * The env the learner is rolled out in and whose expert labels the visited states (`id` plus
     * physics fields). Default: the run config's `evaluation.options.env` (the robotics presets
     * evaluate where they adapt).
     */
    env: z.looseObject({ id: z.string().min(1) }).optional(),
    /** Learner episodes labelled by the expert over all rounds: the interaction budget. */
    budgetEpisodes: z.number().int().min(1).max(100_000),
    /** Aggregate-and-retrain rounds after behaviour cloning. */
    rounds: z.number().int().min(1).max(100).default(1),
    /** Learner episodes per round; default budgetEpisodes / rounds, rounded up (the last round gets what is left). */
    episodesPerRound: z.number().int().min(1).optional(),
    /**
     * Probability that a step executes the expert's action instead of the learner's in round 1
     * (Ross et al.'s mixture policy); round i uses beta^i. Labels are always the expert's. Default 0.
     */
    beta: z.number().min(0).max(1).default(0),
    /** Round i's episodes use seeds from `seedStart + (i - 1) * episodesPerRound` (apart from collection 0... and evaluation 1000...). */
    seedStart: z.number().int().nonnegative().default(2000),
    /** Optimizer steps of each retraining round; default the run config's `training` (epochs or maxSteps). */
    stepsPerRound: z.number().int().positive().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.episodesPerRound !== undefined && o.episodesPerRound > o.budgetEpisodes) {
      ctx.addIssue({
        code: 'custom',
        path: ['episodesPerRound'],
        message: `is larger than budgetEpisodes (${o.budgetEpisodes})`,
      });
    }
    if (o.episodesPerRound !== undefined && o.episodesPerRound * o.rounds < o.budgetEpisodes) {
      ctx.addIssue({
        code: 'custom',
        path: ['budgetEpisodes'],
        message: `is more than rounds x episodesPerRound (${o.rounds} x ${o.episodesPerRound}) can spend`,
      });
    }
  });

export type DaggerOptionsInput = z.input<typeof daggerOptionsSchema>;
export type DaggerOptions = z.output<typeof daggerOptionsSchema>;

/** The plan of every round: how many learner episodes and on which seeds. */
export interface DaggerRoundPlan {
  /** 1-based. */
  readonly round: number;
  readonly episodes: number;
  readonly seedStart: number;
  /** Probability of executing the expert's action at a step (beta^round). */
  readonly beta: number;
}

/** Validates `data.options.dagger`; errors name the field (`data.options.dagger.budgetEpisodes must be >= 1`). */
export function parseDaggerOptions(raw: unknown, where = 'data.options.dagger'): DaggerOptions {
  if (raw === undefined) throw new UserError(`${where} is not set; DAgger needs at least { budgetEpisodes }`);
  return parseEnvConfig(daggerOptionsSchema, raw, where) as DaggerOptions;
}

/** Splits the budget into rounds: `episodesPerRound` each until the budget is spent. */
export function planRounds(o: DaggerOptions): DaggerRoundPlan[] {
  const per = o.episodesPerRound ?? Math.ceil(o.budgetEpisodes / o.rounds);
  const plans: DaggerRoundPlan[] = [];
  let used = 0;
  for (let round = 1; round <= o.rounds && used < o.budgetEpisodes; round++) {
    const episodes = Math.min(per, o.budgetEpisodes - used);
    plans.push({ round, episodes, seedStart: o.seedStart + used, beta: o.beta ** round });
    used += episodes;
  }
  return plans;
}
