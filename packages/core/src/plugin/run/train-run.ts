import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AnyModule } from '../../nn/module.js';
import { enableGradientCheckpointing, PeftModel } from '../../peft/index.js';
import type { ReportSection } from '../../train/report/html-report.js';
import type { TrainSummary } from '../../train/report/summary.js';
import type { TrainerCallback } from '../../train/trainer/callbacks.js';
import { recoverCheckpoints } from '../../train/trainer/checkpoint-recovery.js';
import type { FitOptions } from '../../train/trainer/fit-options.js';
import { Trainer } from '../../train/trainer/trainer.js';
import { headForward } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { ModelBatch } from '../preprocessor.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { PEFTKIT_VERSION } from '../version.js';
import { batchLoader } from './batches.js';
import { applyPeft, freezeFixedHead } from './build-model.js';
import { describeThreshold, tuneRunThreshold } from './decision-threshold.js';
import { assertEarlyStoppingSplit } from './early-stopping-split.js';
import { loadHeadWeights, saveHeadWeights } from './head-weights.js';
import { loadInitAdapter, loadInitHead, resolveInitSource } from './init-from.js';
import { describeLrChoice, lrSweepSection, methodLabel, sweepRunLr, writeLrSweepFiles } from './lr-sweep.js';
import { assertTrainOutDir } from './output-dir.js';
import { DataParallelGroup } from './parallel/data-parallel-group.js';
import { planWorkers } from './parallel/resolve-workers.js';
import { prepareRun } from './prepare-run.js';
import { writePreprocessorFile } from './preprocessor-file.js';
import { addEvaluationToReport } from './report-evaluation.js';
import { RUN_FILES } from './run-files.js';
import {
  assertNotTrainingElsewhere,
  currentOwner,
  failureRecord,
  nothingToResume,
  restartOrRefuse,
} from './run-lifecycle.js';
import { type RunKind, type RunManifest, readRunManifest, writeRunManifest } from './run-manifest.js';
import { configSection, readReportSections, renderRunReport, writeReportSections } from './run-report.js';
import { trainBatchLoader } from './train-loader.js';

export interface TrainRunOptions {
  readonly config: RunConfig;
  /** Where each config value came from, for error messages. */
  readonly origins?: ReadonlyMap<string, string>;
  readonly outDir: string;
  /** Continue the run in `outDir` from its `checkpoints/last` (or from this checkpoint dir). */
  readonly resumeFrom?: string;
  /**
   * Start from this finished run's weights instead of fresh ones: its adapter (loaded trainable)
   * or full model, its head and its preprocessor state (normalisation statistics are not fitted
   * again). The optimizer, schedule and step count start anew, so a run can continue training
   * the same adapter on other data (e.g. a DAgger round's aggregated dataset). The run must be of
   * the same kind (adapter or full) and, for adapters, the same `peft.peftType`.
   */
  readonly initFrom?: string;
  /** Trainer progress display (default 'auto': a bar on a TTY, plain lines otherwise; on stderr). */
  readonly progress?: FitOptions<AnyModule, ModelBatch>['progress'];
  /** Receives warnings and notes (default: stderr). */
  readonly log?: (line: string) => void;
  /** Aborting it stops training after the current step with a checkpoint (status `interrupted`). */
  readonly signal?: AbortSignal;
  /** Command name for messages (`train`, `pretrain`). */
  readonly command?: string;
  /** Trainer hooks (progress probes, custom stops). */
  readonly callbacks?: readonly TrainerCallback[];
}

export interface TrainRunResult {
  readonly outputDir: string;
  readonly kind: RunKind;
  /** `interrupted` when `signal` stopped it: `checkpoints/last` holds the progress; resume to finish. */
  readonly status: 'complete' | 'interrupted';
  readonly summary: TrainSummary;
  readonly labels: readonly string[] | null;
  /** Top-level files of the output directory. */
  readonly files: readonly string[];
}

/**
 * Runs one training run from a resolved config: reads and splits the data, fits the
 * preprocessor, builds base + head, applies the PEFT method (or trains everything for
 * `peft: 'full'`), trains with the shared `Trainer`, and writes into `outDir` the adapter files
 * (or, for full training, a base checkpoint plus `head.safetensors`), `preprocessor.json`,
 * `peftkit-run.json`, and the Trainer's `metrics.jsonl`, `summary.json`, `report.html` and
 * `checkpoints/`. A base built from scratch for an adapter run is saved in `base/`.
 *
 * @example
 * const { config } = resolveRunConfig({ preset: host.presets.get('tabular/classification'), layers });
 * const result = await trainRun(host, { config, outDir: 'runs/demo' });
 */
export async function trainRun(host: PeftkitHost, o: TrainRunOptions): Promise<TrainRunResult> {
  const { config } = o;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const out = path.resolve(o.outDir);
  const kind: RunKind = config.peft === 'full' ? 'full' : 'adapter';
  const dirState = await assertTrainOutDir(out, o.command ?? 'train');
  if (dirState.kind === 'run') for (const note of await recoverCheckpoints(out)) log(note);
  if (o.resumeFrom) {
    const refusal = await nothingToResume(path.resolve(o.resumeFrom));
    if (refusal) throw refusal;
  }
  let prior = dirState.kind === 'run' ? await readRunManifest(out) : undefined;
  if (prior && !o.resumeFrom) {
    log(await restartOrRefuse(out, o.outDir, prior));
    prior = undefined;
  } else if (prior) assertNotTrainingElsewhere(out, prior);
  if (o.initFrom && o.resumeFrom) {
    throw new UserError(
      'initFrom and resumeFrom cannot be combined: resume continues a run, initFrom starts a new one',
    );
  }
  const init = o.initFrom && !prior ? await resolveInitSource(o.initFrom, kind) : undefined;
  const ownBase =
    kind === 'adapter' && prior?.base === RUN_FILES.baseDir ? path.join(out, RUN_FILES.baseDir) : undefined;
  const prepared = await prepareRun(host, config, {
    readData: true,
    log,
    ...(o.origins ? { origins: o.origins } : {}),
    ...(prior ? { resumeDir: out } : init ? { resumeDir: init.dir } : {}),
    ...(ownBase ? { baseDir: ownBase } : init ? { baseDir: init.baseDir } : {}),
  });
  if (init) {
    try {
      await loadInitHead(init, prepared.built);
    } catch (err) {
      prepared.built.headed.model.dispose();
      throw err;
    }
  }
  const { parts, instance, built } = prepared;
  const data = prepared.data!;
  if (kind === 'adapter' && prepared.baseDir === undefined) log(randomBaseWarning(built.architecture.id));
  const { headed, architecture, archConfig } = built;
  const t = config.training;
  if (t.gradientCheckpointing && !built.placement.layers) {
    headed.model.dispose();
    throw new UserError(
      `training.gradientCheckpointing: architecture '${architecture.id}' has no repeated blocks to checkpoint`,
    );
  }
  if (t.earlyStopping) {
    try {
      await assertEarlyStoppingSplit(data.eval, data.labels ?? null, data.labelOf);
    } catch (err) {
      headed.model.dispose();
      throw err;
    }
  }
  // Built before anything is written, so a sampling the data or preprocessor cannot serve fails early.
  const trainLoader = await trainBatchLoader(prepared, config, log).catch((err: unknown) => {
    headed.model.dispose();
    throw err;
  });
  const headFile = path.join(out, RUN_FILES.head);
  await fs.mkdir(out, { recursive: true });
  const base: string | null =
    kind === 'adapter'
      ? prepared.baseDir === undefined || ownBase
        ? RUN_FILES.baseDir
        : prepared.baseDir
      : null;
  let manifest: RunManifest = {
    format: 'peftkit-run',
    version: 1,
    kind,
    status: 'running',
    // The architecture actually built (a base's model_type may override the preset's), so a
    // resumed run rebuilds the same model.
    config: { ...config, model: { ...config.model, architecture: architecture.id } },
    architecture: { id: architecture.id, config: archConfig },
    base,
    head: {
      id: parts.head.id,
      config: parts.headConfig,
      basePath: headed.basePath,
      headPaths: [...headed.headPaths],
    },
    reader: data.reader.id,
    labels: data.labels ? [...data.labels] : null,
    peftkitVersion: PEFTKIT_VERSION,
    owner: currentOwner(),
  };
  // First, so anything written below belongs to a run directory: a failure from here on is
  // recorded in it, and the directory can be rerun or resumed instead of deleted by hand.
  await writeRunManifest(out, manifest);
  let model: AnyModule = headed.model;
  let summary: TrainSummary;
  let lrSection: ReportSection | undefined;
  let group: DataParallelGroup | undefined;
  try {
    if (kind === 'adapter') {
      if (prepared.baseDir === undefined) {
        // The adapter is meaningless without the exact random base it was trained on: keep it.
        await architecture.saveCheckpoint(
          path.join(out, RUN_FILES.baseDir),
          headed.model.getSubmodule(headed.basePath),
          archConfig,
        );
        await instance.saveFiles?.(path.join(out, RUN_FILES.baseDir));
      }
      // The head's initial weights: the adapter file holds only its trained copy (modulesToSave).
      if (prior) await loadHeadWeights(headFile, headed);
      else await saveHeadWeights(headFile, headed);
    }
    await writePreprocessorFile(out, parts.preprocessor.id, parts.preprocessOptions, instance);
    // Standard files for other tools (a tokenizer directory), next to the adapter or checkpoint.
    await instance.saveFiles?.(out);
    model =
      kind !== 'adapter'
        ? headed.model
        : init
          ? await loadInitAdapter(host, config, init, built)
          : applyPeft(host, config, built, (m) => log(`warning: ${m}`));
    if (t.gradientCheckpointing) {
      const blocks = enableGradientCheckpointing(headed.model, built.placement);
      log(`gradient checkpointing: ${blocks} blocks recompute their activations in the backward pass`);
    }
    freezeFixedHead(config, headed);
    const head = parts.head;
    const headConfig = parts.headConfig;
    const context = { config: headConfig, labels: data.labels };
    let lr: number;
    if (t.lr === 'auto') {
      const method = methodLabel(config);
      const sweep = await sweepRunLr({
        config,
        model,
        train: trainLoader,
        head,
        headConfig,
        labels: data.labels,
      });
      lr = sweep.suggestion.lr;
      log(describeLrChoice(sweep, method));
      await writeLrSweepFiles(out, sweep, method);
      lrSection = lrSweepSection(sweep, method);
      // A resumed run rebuilds from the manifest: it continues with the chosen number.
      manifest = {
        ...manifest,
        config: { ...manifest.config, training: { ...manifest.config.training, lr } },
      };
      await writeRunManifest(out, manifest);
    } else lr = t.lr;
    const loss = (m: AnyModule, b: ModelBatch) =>
      head.loss(headForward(head, m, b, true, headConfig), b, context);
    const plan = planWorkers(t.workers, {
      parameters: model.numParameters(),
      trainableParameters: model.numParameters({ trainableOnly: true }),
      batchSize: t.batchSize,
    });
    if (t.workers !== 1) log(plan.note);
    group =
      plan.ranks > 1
        ? await DataParallelGroup.start({
            host,
            config,
            ranks: plan.ranks,
            threads: plan.threadsEach,
            model,
            architecture: architecture.id,
            archConfig,
            headConfig,
            labels: data.labels ?? null,
            initAdapterDir: kind === 'adapter' && init ? init.dir : undefined,
            loss,
          })
        : undefined;
    summary = await new Trainer<AnyModule, ModelBatch>({
      model,
      train: trainLoader,
      ...(data.eval
        ? {
            eval: batchLoader(data.eval, instance, {
              batchSize: t.evalBatchSize ?? t.batchSize,
              training: false,
              seed: t.seed,
              name: 'eval',
            }),
          }
        : {}),
      loss,
      ...(group ? { gradientSource: group } : {}),
      evalStep: (m, b) => head.metricInputs(headForward(head, m, b, false, headConfig), b, context),
      metrics: (t.metrics ?? head.defaultMetrics).map((name) => host.createMetric(name)),
      optimizer: {
        name: t.optimizer,
        lr,
        weightDecay: t.weightDecay,
        ...(t.loraplusLrRatio !== undefined ? { loraplusLrRatio: t.loraplusLrRatio } : {}),
      },
      schedule: {
        kind: t.schedule,
        ...(t.warmupSteps !== undefined ? { warmupSteps: t.warmupSteps } : {}),
        ...(t.warmupRatio !== undefined ? { warmupRatio: t.warmupRatio } : {}),
      },
      ...(t.epochs !== undefined ? { epochs: t.epochs } : {}),
      ...(t.maxSteps !== undefined ? { maxSteps: t.maxSteps } : {}),
      gradientAccumulationSteps: t.gradientAccumulation,
      maxGradNorm: t.maxGradNorm,
      ...(t.evalEvery ? { evalEvery: t.evalEvery } : {}),
      ...(t.earlyStopping ? { earlyStopping: t.earlyStopping } : {}),
      logEvery: t.logEvery,
      seed: t.seed,
      outputDir: out,
      ...(o.resumeFrom ? { resumeFrom: o.resumeFrom } : {}),
      ...(t.strictResume !== undefined ? { strictResume: t.strictResume } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.callbacks ? { callbacks: o.callbacks } : {}),
      progress: o.progress ?? 'auto',
      runName: path.basename(out),
      labels: data.labels ?? null,
      reportSections: [...(lrSection ? [lrSection] : []), configSection(manifest)],
    }).fit();
    if (summary.reason === 'interrupted') {
      // checkpoints/last is current; the root files stay as they were until the run completes.
      const failure = await failureRecord(out, summary.message);
      await writeRunManifest(out, { ...manifest, status: 'interrupted', failure });
      const files = (await fs.readdir(out)).sort();
      return { outputDir: out, kind, status: 'interrupted', summary, labels: manifest.labels, files };
    }
    if (t.tuneThreshold && head.task === 'classification' && data.labels?.length === 2 && data.eval) {
      const evalStep = (m: AnyModule, b: ModelBatch) =>
        head.metricInputs(headForward(head, m, b, false, headConfig), b, context);
      const decision = await tuneRunThreshold({
        model,
        eval: batchLoader(data.eval, instance, {
          batchSize: t.evalBatchSize ?? t.batchSize,
          training: false,
          seed: t.seed,
          name: 'eval',
        }),
        evalStep,
        labels: data.labels,
      });
      if (decision) {
        log(describeThreshold(decision));
        manifest = { ...manifest, decisionThreshold: decision };
      }
    }
    if (model instanceof PeftModel) await model.savePretrained(out);
    else {
      await architecture.saveCheckpoint(out, headed.model.getSubmodule(headed.basePath), archConfig);
      await saveHeadWeights(headFile, headed);
    }
    await writeRunManifest(out, { ...manifest, status: 'complete' });
  } catch (err) {
    await recordFailure(out, manifest, prior, err, log);
    throw err;
  } finally {
    await group?.close();
    model.dispose();
  }
  // The run is complete and loadable: an evaluation the config wants in the report runs on it.
  // It is an extra: when it cannot run (e.g. a preset's env does not fit this data) the run stands.
  // The report is rendered again from the run's files (and again by each `peftkit eval`).
  await writeReportSections(out, {
    training: lrSection ? [lrSection] : prior ? (await readReportSections(out)).training : [],
    evaluation: [],
  });
  await renderRunReport(out);
  if (config.evaluation?.report) {
    try {
      await addEvaluationToReport(host, out, log);
    } catch (err) {
      const first = ((err as Error).message.split('\n')[0] ?? '').trim();
      log(
        `warning: report.html has no evaluation section: evaluator '${config.evaluation.evaluator}' failed: ${first} (set evaluation.report: null to skip it)`,
      );
    }
  }
  const files = (await fs.readdir(out)).sort();
  return { outputDir: out, kind, status: 'complete', summary, labels: manifest.labels, files };
}

/**
 * The one loud line of an adapter run on a base built from scratch: an adapter's few parameters
 * cannot make up for random features, so the run mostly measures its head.
 */
export function randomBaseWarning(architectureId: string): string {
  return `WARNING: no --base: the adapter trains on a RANDOMLY initialised ${architectureId} base (sized by model.config), which makes an adapter pointless; pass --base <pretrained dir or org/name>, or set peft: full to train the model from scratch`;
}

/**
 * Leaves the manifest saying what happened: a finished run whose extension failed keeps its
 * `complete` manifest (its root files are still the finished ones); any other run becomes
 * `failed` with the reason. Best effort: the original error is what the caller reports.
 */
async function recordFailure(
  out: string,
  manifest: RunManifest,
  prior: RunManifest | undefined,
  err: unknown,
  log: (line: string) => void,
): Promise<void> {
  try {
    if (prior?.status === 'complete') {
      await writeRunManifest(out, prior);
      log(`note: ${out} stays complete; the failed continuation changed only checkpoints/`);
      return;
    }
    const reason = err instanceof Error ? err.message : String(err);
    await writeRunManifest(out, { ...manifest, status: 'failed', failure: await failureRecord(out, reason) });
  } catch {
    // The disk may be the problem (ENOSPC); the caller reports the first error.
  }
}
