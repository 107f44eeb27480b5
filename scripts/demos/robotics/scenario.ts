import type { WorkerPool } from '../worker-pool.js';
import type { Scenario, ScenarioBudget } from './config.js';
import type { DemoSet } from './demonstrations.js';
import type { Prepared, RoboticsJob, RoboticsJobResult } from './jobs.js';
import type { RoboticsMethod } from './methods.js';
import type { MethodResult } from './report.js';
import { combineSeeds, type MethodContext, type ScoredResult, type SeedRun } from './run-method.js';

/** One scenario's table and how it was made. */
export interface ScenarioReport {
  readonly scenario: Scenario;
  readonly budget: ScenarioBudget;
  readonly sourceDemos: DemoSet;
  readonly targetDemos: DemoSet;
  readonly base: {
    readonly steps: number;
    readonly trainSeconds: number;
    readonly runDir: string;
  };
  readonly results: readonly MethodResult[];
  /** Every `peftkit` command behind the table, in order. */
  readonly commands: readonly string[];
}

export interface ScenarioContext {
  readonly pool: WorkerPool<RoboticsJob, RoboticsJobResult>;
  /** This scenario's own folder of the work dir. */
  readonly dir: string;
  readonly budget: ScenarioBudget;
  /** Seed of the base's pretraining. */
  readonly seed: number;
  /** Training seeds of every adaptation row. */
  readonly trainSeeds: readonly number[];
  readonly methods: readonly RoboticsMethod[];
  readonly cwd: string;
  readonly log: (line: string) => void;
}

/**
 * Expert demos in the source setting -> behaviour-cloned base -> a few expert demos in the shifted
 * setting (the expert re-derived for it) -> every method adapted from the same base and rolled
 * out on fixed seeds in both settings. Every (row, training seed) run is a job of its own on the
 * demo's workers; each depends only on the base, its demos and its seed, so the table is the same
 * whatever runs where, and rows keep the order of `methods`.
 */
export async function runScenario(s: Scenario, c: ScenarioContext): Promise<ScenarioReport> {
  const { budget, log } = c;
  const extra = [...new Set(c.methods.flatMap((m) => (m.extraDemos ? [m.extraDemos] : [])))];
  const prepared = (await c.pool.run({
    kind: 'prepare',
    scenario: s,
    dir: c.dir,
    budget,
    seed: c.seed,
    extra,
  })) as Prepared;

  log(`demo: ${s.id}: adapting (${budget.adaptSteps} steps each), ${budget.evalEpisodes} rollouts per env`);
  const contextOf = (m: RoboticsMethod): MethodContext => {
    const demos = m.extraDemos ? prepared.extraDemos[m.extraDemos] : prepared.targetDemos;
    if (!demos) throw new Error(`no target demos with ${m.extraDemos} extra episodes were prepared`);
    return {
      scenario: s,
      base: prepared.base.runDir,
      targetDemos: demos.dir,
      targetEpisodes: demos.episodes,
      budget,
      configFile: prepared.adaptConfig,
      cwd: c.cwd,
      reportSeed: c.trainSeeds[0] ?? c.seed,
    };
  };
  // Longest jobs first (the pool's priority) so no worker idles at the end while another finishes
  // a long one: DAgger rows, then the most optimizer steps. A row whose run is a DAgger row's
  // round 0 goes before everything, as the DAgger row waits for it.
  const cost = (m: RoboticsMethod) => (m.dagger ? 3 : (m.stepsFactor ?? 1));
  const sharers = (m: RoboticsMethod) => c.methods.filter((d) => d.round0Of === m.id);
  const priority = (m: RoboticsMethod) => cost(m) + sharers(m).reduce((n, d) => n + cost(d), 0);
  const seedRuns = new Map<string, Promise<SeedRun | { skipped: string }>[]>();
  const runSeeds = (method: RoboticsMethod, context: MethodContext) => {
    const round0Row = method.round0Of ? c.methods.find((m) => m.id === method.round0Of) : undefined;
    // Without that row in this demo's rows, DAgger trains its round 0 itself.
    if (round0Row) checkRound0(method, round0Row);
    const outcomes = c.trainSeeds.map(async (seed, i) => {
      // The round-0 row's run of this seed, once it is trained (a skipped row shares nothing).
      const shared = round0Row ? await seedRuns.get(round0Row.id)?.[i] : undefined;
      const round0 =
        shared && !('skipped' in shared)
          ? { runDir: shared.row.runDir as string, trainSeconds: shared.row.trainSeconds ?? 0 }
          : undefined;
      return c.pool.run({ kind: 'seed', method, seed, context, round0 }, priority(method)) as Promise<
        SeedRun | { skipped: string }
      >;
    });
    seedRuns.set(method.id, outcomes);
    return outcomes;
  };
  // Rows others share are started first, so their seed runs exist when the sharers ask.
  const order = [...c.methods.entries()].sort(
    ([, a], [, b]) => sharers(b).length - sharers(a).length || priority(b) - priority(a),
  );
  const runs = new Map<number, Promise<ScoredResult>>();
  for (const [index, method] of order) {
    const context = contextOf(method);
    const run = method.set
      ? Promise.all(runSeeds(method, context)).then((outcomes) =>
          combineSeeds(method, c.trainSeeds, outcomes, context),
        )
      : (c.pool.run({ kind: 'zero-shot', method, context }, priority(method)) as Promise<ScoredResult>);
    // Awaited below in row order; a failure is not "unhandled" while an earlier row is awaited.
    run.catch(() => {});
    runs.set(index, run);
  }
  const results: MethodResult[] = [];
  const commands = [prepared.base.command];
  for (const [index, method] of c.methods.entries()) {
    const { evalCommands, ...r } = await (runs.get(index) as Promise<ScoredResult>);
    results.push(r);
    if (r.command) commands.push(...r.command.split('\n'));
    commands.push(...evalCommands);
    if (r.status === 'ok') {
      const pc = (x: number | undefined) => `${(100 * (x ?? Number.NaN)).toFixed(0)}%`;
      log(
        `demo: ${s.id}: ${method.id}: success ${pc(r.target?.success)} ${s.shift}, ${pc(r.source?.success)} source`,
      );
    } else log(`demo: ${s.id}: ${method.id}: skipped (${r.reason})`);
  }
  return {
    scenario: s,
    budget,
    sourceDemos: prepared.sourceDemos,
    targetDemos: prepared.targetDemos,
    base: {
      steps: prepared.base.steps,
      trainSeconds: prepared.base.trainSeconds,
      runDir: prepared.base.runDir,
    },
    results,
    commands,
  };
}

/** A DAgger row's round 0 can be another row's run only when both train the same way. */
function checkRound0(dagger: RoboticsMethod, round0: RoboticsMethod): void {
  const same =
    !round0.dagger &&
    JSON.stringify(round0.set) === JSON.stringify(dagger.set) &&
    (round0.stepsFactor ?? 1) === (dagger.stepsFactor ?? 1) &&
    (round0.extraDemos ?? 0) === (dagger.extraDemos ?? 0);
  if (!same) {
    throw new Error(
      `row ${dagger.id}: round0Of '${dagger.round0Of}' does not train as its round 0 does (same set, steps and demos, no DAgger)`,
    );
  }
}
