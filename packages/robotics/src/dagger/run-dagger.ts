import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyModule,
  type FitOptions,
  isPlainObject,
  loadRun,
  type ModelBatch,
  type PeftkitHost,
  type RunConfig,
  readRunManifest,
  type TrainRunResult,
  trainRun,
  UserError,
  writeJsonAtomic,
} from '@peftkit/core';
import type { Episode, EpisodeSet } from '../data/episode.js';
import { readEpisodes } from '../data/episode-readers.js';
import { writeLeRobotDataset } from '../data/lerobot-writer.js';
import { type EnvSpec, makeEnv } from '../envs/make-env.js';
import { makeExpert } from '../experts/make-expert.js';
import type { AggregateMetrics } from '../rollout/metrics.js';
import { runPolicy } from '../rollout/run-policy.js';
import { type DaggerOptions, parseDaggerOptions, planRounds } from './dagger-options.js';
import { labelledRollouts } from './labelled-rollouts.js';

export interface RunDaggerOptions {
  /** A resolved robotics run config whose `data.options.dagger` is set. */
  readonly config: RunConfig;
  /** Round `i`'s run goes to `<outDir>/round-<i>`, its aggregated data to `<outDir>/data/round-<i>`. */
  readonly outDir: string;
  readonly origins?: ReadonlyMap<string, string>;
  readonly progress?: FitOptions<AnyModule, ModelBatch>['progress'];
  readonly log?: (line: string) => void;
}

/** One round as `dagger.json` records it. */
export interface DaggerRoundRecord {
  readonly round: number;
  /** The round's run directory (relative to the DAgger dir). */
  readonly run: string;
  /** The aggregated dataset it trained on (relative), null for round 0 (the demonstrations). */
  readonly data: string | null;
  /** Learner episodes rolled out and labelled by the expert in this round. */
  readonly learnerEpisodes: number;
  readonly labelledFrames: number;
  /** Episodes and frames of the dataset the round trained on. */
  readonly trainEpisodes: number;
  readonly trainFrames: number;
  /** The previous round's policy on this round's collection seeds (LeRobot aggregates). */
  readonly learner: Pick<AggregateMetrics, 'pc_success' | 'avg_sum_reward' | 'n_episodes'> | null;
  readonly beta: number;
  readonly trainSeconds: number;
}

export interface DaggerResult {
  readonly dir: string;
  /** The last round's run directory: the DAgger policy. */
  readonly finalRun: string;
  readonly rounds: readonly DaggerRoundRecord[];
  /** Learner episodes labelled over all rounds (<= budgetEpisodes). */
  readonly episodesUsed: number;
  readonly options: DaggerOptions;
  readonly env: EnvSpec;
}

/**
 * DAgger (Ross et al., 2011) on the shared Trainer: round 0 is behaviour cloning on the run
 * config's demonstrations (`trainRun`); each later round rolls the latest policy out in the target
 * env on fixed seeds, labels every visited state with the expert re-derived for that env, writes
 * the demonstrations plus every labelled episode so far as a LeRobot dataset, and continues
 * training the same adapter on it (`trainRun` with `initFrom`: same normalisation, fresh optimizer).
 * `<outDir>/dagger.json` records each round; finished rounds are kept when the call is repeated
 * (an interrupted round is redone). Errors name `data.options.dagger.<field>`.
 *
 * @example
 * const { config } = resolveRunConfig({ preset: host.presets.get('robotics/dynamics-shift'), layers });
 * const r = await runDagger(host, { config, outDir: 'runs/cartpole-dagger' });
 * r.finalRun; // evaluate with peftkit eval --adapter <finalRun>
 */
export async function runDagger(host: PeftkitHost, o: RunDaggerOptions): Promise<DaggerResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataOptions = o.config.data.options as Record<string, unknown>;
  const options = parseDaggerOptions(dataOptions['dagger']);
  const env = daggerEnv(options, o.config);
  const probe = await makeEnv(env, 'data.options.dagger.env');
  const task =
    typeof (probe.config as { task?: unknown }).task === 'string'
      ? `${probe.id}/${(probe.config as { task: string }).task}`
      : probe.id;
  probe.dispose();
  const expert = await makeExpert(env, 'data.options.dagger.env').catch((err: Error) => {
    throw new UserError(`data.options.dagger.env: ${err.message}`);
  });
  try {
    const dir = path.resolve(o.outDir);
    await fs.mkdir(dir, { recursive: true });
    const train = o.config.data.train;
    if (!train) throw new UserError('data.train is not set: DAgger starts from demonstrations');
    const { dagger: _, ...readerOptions } = dataOptions;
    const config: RunConfig = { ...o.config, data: { ...o.config.data, options: readerOptions } };
    const demos = await readEpisodes(train, readerOptions);
    checkFeatures(demos, probe.observationSpace.shape[0] as number, probe.actionSpace.shape[0] as number);

    const records: DaggerRoundRecord[] = [];
    const save = (finalRun: string | null) =>
      writeJsonAtomic(path.join(dir, 'dagger.json'), { options, env, rounds: records, finalRun });
    const frames = (eps: readonly Episode[]) => eps.reduce((n, e) => n + e.length, 0);

    log(`dagger: round 0: behaviour cloning on ${demos.episodes.length} demonstrations`);
    const plans = planRounds(options);
    // Only the final round rolls out for its report.html (`evaluation.report`): the rounds before
    // it are steps on the way, and their report rollouts cost about as much as a round's learner
    // rollouts.
    const stepOnTheWay = withoutReport(config);
    const round0 = await trainRound(host, stepOnTheWay, path.join(dir, 'round-0'), o, undefined);
    records.push({
      round: 0,
      run: 'round-0',
      data: null,
      learnerEpisodes: 0,
      labelledFrames: 0,
      trainEpisodes: demos.episodes.length,
      trainFrames: frames(demos.episodes),
      learner: null,
      beta: 1,
      trainSeconds: round0.seconds,
    });
    await save(null);

    let previous = round0.dir;
    const collected: Episode[] = [];
    let nextIndex = Math.max(...demos.episodes.map((e) => e.index)) + 1;
    for (const plan of plans) {
      const name = `round-${plan.round}`;
      const run = await loadRun(host, previous);
      let learner: DaggerRoundRecord['learner'];
      let labelled: Episode[];
      try {
        const r = await labelledRollouts(env, runPolicy(run), expert, {
          episodes: plan.episodes,
          seedStart: plan.seedStart,
          beta: plan.beta,
          firstIndex: nextIndex,
          task,
        });
        labelled = r.episodes;
        learner = {
          pc_success: r.aggregated.pc_success,
          avg_sum_reward: r.aggregated.avg_sum_reward,
          n_episodes: r.aggregated.n_episodes,
        };
      } finally {
        run.model.dispose();
      }
      nextIndex += labelled.length;
      collected.push(...labelled);
      const aggregated: EpisodeSet = {
        ...demos,
        source: `${demos.source} + DAgger rounds 1..${plan.round}`,
        // The features DAgger labels; other demonstration features would be missing from its episodes.
        features: {
          'observation.state': demos.features['observation.state']!,
          action: demos.features['action']!,
        },
        episodes: [...demos.episodes, ...collected],
        skipped: [],
        stats: undefined,
      };
      const dataDir = path.join(dir, 'data', name);
      await writeLeRobotDataset(dataDir, aggregated, { overwrite: true });
      log(
        `dagger: ${name}: learner ${learner.pc_success.toFixed(0)}% success on ${plan.episodes} episodes (seeds ${plan.seedStart}...), ` +
          `${frames(labelled)} states labelled; training on ${aggregated.episodes.length} episodes`,
      );
      const roundConfig: RunConfig = {
        ...(plan === plans.at(-1) ? config : stepOnTheWay),
        // Every aggregated episode trains; without data.eval the demonstrations are the offline check.
        data: { ...config.data, train: dataDir, eval: config.data.eval ?? train },
        training: options.stepsPerRound
          ? (() => {
              const { epochs: _e, ...t } = config.training;
              return { ...t, maxSteps: options.stepsPerRound };
            })()
          : config.training,
      };
      const trained = await trainRound(host, roundConfig, path.join(dir, name), o, previous);
      records.push({
        round: plan.round,
        run: name,
        data: path.join('data', name),
        learnerEpisodes: plan.episodes,
        labelledFrames: frames(labelled),
        trainEpisodes: aggregated.episodes.length,
        trainFrames: frames(aggregated.episodes),
        learner,
        beta: plan.beta,
        trainSeconds: trained.seconds,
      });
      await save(null);
      previous = trained.dir;
    }
    await save(path.relative(dir, previous));
    return {
      dir,
      finalRun: previous,
      rounds: records,
      episodesUsed: records.reduce((n, r) => n + r.learnerEpisodes, 0),
      options,
      env,
    };
  } finally {
    expert.dispose();
  }
}

/** `config` without the report's evaluation (`evaluation.report: null`). */
function withoutReport(config: RunConfig): RunConfig {
  return config.evaluation?.report
    ? { ...config, evaluation: { ...config.evaluation, report: null } }
    : config;
}

/** The rollout env: `dagger.env`, else the run's `robotics/rollout` evaluation env. */
function daggerEnv(options: DaggerOptions, config: RunConfig): EnvSpec {
  if (options.env) return options.env as EnvSpec;
  const evaluation = config.evaluation;
  if (evaluation?.evaluator === 'robotics/rollout' && isPlainObject(evaluation.options['env'])) {
    return evaluation.options['env'] as EnvSpec;
  }
  throw new UserError(
    'data.options.dagger.env is not set and the run config has no robotics/rollout evaluation env to default to',
  );
}

function checkFeatures(demos: EpisodeSet, obsDim: number, actDim: number): void {
  const state = demos.features['observation.state'];
  const action = demos.features['action'];
  if (!state || !action || state.dim !== obsDim || action.dim !== actDim) {
    const has = (k: string) => (demos.features[k] ? `${demos.features[k]?.dim}` : 'none');
    throw new UserError(
      `${demos.source}: DAgger aggregates with the env's observation.state (${obsDim}) and action (${actDim}); the demonstrations have ${has('observation.state')} and ${has('action')}`,
    );
  }
}

/** Trains one round, or keeps it when a finished run is already there (an unfinished one is redone). */
async function trainRound(
  host: PeftkitHost,
  config: RunConfig,
  outDir: string,
  o: RunDaggerOptions,
  initFrom: string | undefined,
): Promise<{ dir: string; seconds: number; result: TrainRunResult | null }> {
  const prior = await readRunManifest(outDir).catch(() => undefined);
  if (prior?.status === 'complete') {
    (o.log ?? (() => {}))(`dagger: ${path.basename(outDir)} is already trained; keeping it`);
    return { dir: outDir, seconds: 0, result: null };
  }
  if (prior) await fs.rm(outDir, { recursive: true, force: true });
  const started = performance.now();
  const result = await trainRun(host, {
    config,
    outDir,
    ...(o.origins ? { origins: o.origins } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(initFrom ? { initFrom } : {}),
  });
  return { dir: outDir, seconds: (performance.now() - started) / 1000, result };
}
