import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import type { AnyModule } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { type TrainingHooks, trainingHooksOf, withTrainingLoss } from '../../nn/training-hooks.js';
import { getRng, setSeed } from '../../runtime/random.js';
import { disposeGradients } from '../gradients.js';
import { applySchedule, type Schedule } from '../lr-schedule.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { NamedParameter } from '../param-groups.js';
import { ClassTally } from '../report/class-tally.js';
import { type ClassificationAnalysis, ClassificationCollector } from '../report/classification-analysis.js';
import { classificationSection } from '../report/classification-section.js';
import { writeReport } from '../report/html-report.js';
import { MetricsLog } from '../report/metrics-log.js';
import { createProgressReporter, type ProgressReporter } from '../report/progress.js';
import { classificationWarnings } from '../report/run-warnings.js';
import { type StopReason, type TrainSummary, writeSummary } from '../report/summary.js';
import { buildOptimizer, buildSchedule } from './build-optimizer.js';
import { type StepLogs, StopFlag } from './callbacks.js';
import { writeTrainerCheckpoint } from './checkpoint-io.js';
import { recoverCheckpoints } from './checkpoint-recovery.js';
import { configHash } from './config-hash.js';
import { TrainingDivergedError } from './errors.js';
import { evaluate } from './evaluate.js';
import type { FitOptions } from './fit-options.js';
import { GradientAccumulator } from './gradient-accumulator.js';
import { MetricMonitor } from './metric-monitor.js';
import {
  firesAtEpochEnd,
  firesAtStep,
  type ResolvedFitOptions,
  resolveFitOptions,
} from './resolve-options.js';
import { restoreSession, type ScheduleRederivation } from './resume-session.js';
import { softConfig, trajectoryConfig } from './run-config.js';
import { TRAINER_STATE_FORMAT, TRAINER_STATE_VERSION, type TrainerStateFile } from './trainer-state.js';

type Stop = { reason: StopReason; message: string };

/**
 * The training loop shared by every domain: micro-batches through `valueAndGrads`, gradient
 * accumulation, global-norm clipping, scheduled optimizer steps on the trainable parameters only,
 * evaluation with metrics, early stopping, atomic `last`/`best` checkpoints, exact resume,
 * progress, `metrics.jsonl`, `summary.json` and `report.html`. See docs/training.md.
 *
 * @example
 * const summary = await new Trainer({
 *   model: peft, train: trainLoader, eval: evalLoader,
 *   loss: (m, b) => crossEntropy(m.call(b.ids), b.labels) as tf.Scalar,
 *   evalStep: (m, b) => ({ predictions: m.call(b.ids), targets: b.labels }),
 *   metrics: ['accuracy'], optimizer: { lr: 2e-4 }, epochs: 3, outputDir: 'runs/lora',
 * }).fit();
 */
export class Trainer<M extends AnyModule, B> {
  private readonly o: ResolvedFitOptions<M, B>;
  private used = false;
  private readonly control = new StopFlag();
  private reporter!: ProgressReporter;
  private named: NamedParameter[] = [];
  private optimizer!: Optimizer;
  private schedule!: Schedule;
  private baseLrs: number[] = [];
  private monitor: MetricMonitor | undefined;
  private acc!: GradientAccumulator;
  private log!: MetricsLog;
  private step = 0;
  private stop: Stop | undefined;
  private resumedFromStep: number | null = null;
  private rederived: ScheduleRederivation | null = null;
  private elapsedBefore = 0;
  private sessionStart = 0;
  private restoredPeak = 0;
  private lastLoss: number | null = null;
  private lastEval: { step: number; metrics: Record<string, number> } | undefined;
  private readonly tally = new ClassTally();
  private lastDistribution: ReturnType<ClassTally['distribution']> = null;
  private readonly collector = new ClassificationCollector();
  private lastAnalysis: ClassificationAnalysis | null = null;
  private lastCheckpoint: { dir: string; step: number } | undefined;
  private bestCheckpoint: string | null = null;
  private window = { loss: 0, norm: 0, steps: 0, since: 0 };
  private lastStepEnd = 0;
  private readonly dirs: { root: string; last: string; best: string } | undefined;
  /** The model's training hooks (AdaLoRA's regulariser and rank allocation), if it has any. */
  private readonly hooks: TrainingHooks | undefined;

  constructor(options: FitOptions<M, B>) {
    this.o = resolveFitOptions(options);
    const root = this.o.outputDir;
    this.dirs = root
      ? { root, last: path.join(root, 'checkpoints', 'last'), best: path.join(root, 'checkpoints', 'best') }
      : undefined;
    this.hooks = trainingHooksOf(options.model);
  }

  /** Trains until `epochs`/`maxSteps`, early stopping or a stop request; resolves to the summary. */
  async fit(): Promise<TrainSummary> {
    if (this.used) throw new Error('Trainer.fit: a Trainer runs once; create a new one');
    this.used = true;
    const o = this.o;
    this.sessionStart = performance.now();
    this.reporter =
      typeof o.progress === 'object'
        ? o.progress
        : createProgressReporter({ mode: o.progress ?? 'auto', logEvery: o.logInterval });
    this.named = [...(o.trainableParameters ?? o.model.namedParameters({ trainableOnly: true }))];
    if (this.named.length === 0) {
      throw new Error('fit: the model has no trainable parameters (did getPeftModel freeze everything?)');
    }
    this.optimizer = buildOptimizer(this.named, o.optimizerConfig);
    this.acc = new GradientAccumulator(this.named);
    try {
      this.baseLrs = this.optimizer.groups.map((g) => g.lr);
      this.schedule = buildSchedule(o);
      this.monitor = MetricMonitor.forRun(o);
      if (this.dirs) {
        await fs.mkdir(this.dirs.root, { recursive: true });
        for (const note of await recoverCheckpoints(this.dirs.root)) this.reporter.log(note);
      }
      if (o.resumeFrom) {
        await this.restore(o.resumeFrom);
        o.gradientSource?.parametersChanged();
      } else {
        setSeed(o.seedValue);
        for (const loader of [o.train, o.eval]) {
          loader?.reset();
          loader?.initSeed();
        }
      }
      this.log = await MetricsLog.open(
        this.dirs && path.join(this.dirs.root, 'metrics.jsonl'),
        this.resumedFromStep ?? undefined,
      );
      o.model.train();
      const info = {
        model: o.model,
        optimizer: this.optimizer,
        startStep: this.step,
        totalSteps: o.totalSteps,
        resumedFrom: o.resumeFrom ?? null,
        trainableParameters: this.named.reduce((n, [, p]) => n + p.size, 0),
        totalParameters: o.model.numParameters(),
      };
      this.hooks?.onTrainBegin?.({ totalSteps: o.totalSteps });
      for (const cb of o.callbacks ?? []) await cb.onTrainBegin?.(info, this.control);
      this.reporter.start({ startStep: this.step, totalSteps: o.totalSteps });
      const stop = await this.loop();
      // An interrupted run saves and leaves quickly; the resumed run evaluates at its end.
      if (o.eval && this.lastEval?.step !== this.step && stop.reason !== 'interrupted')
        await this.runEval(false);
      if (this.dirs && this.lastCheckpoint?.step !== this.step) await this.saveCheckpoint('last');
      const summary = this.summary(stop);
      await this.writeOutputs(summary);
      for (const cb of o.callbacks ?? []) await cb.onTrainEnd?.(summary);
      return summary;
    } catch (err) {
      if (err instanceof TrainingDivergedError) {
        // Leave a readable account of the failed run; the checkpoints on disk are untouched.
        await this.writeOutputs(this.summary({ reason: 'diverged', message: err.message })).catch(
          () => undefined,
        );
      }
      throw err;
    } finally {
      this.acc.dispose();
      this.optimizer.dispose();
      this.reporter.end();
    }
  }

  private async loop(): Promise<Stop> {
    const o = this.o;
    this.lastStepEnd = performance.now();
    this.window.since = this.lastStepEnd;
    for (;;) {
      this.checkSignal();
      if (this.control.reason !== undefined)
        this.stop ??= { reason: 'callback', message: this.control.reason };
      if (this.stop) return this.stop;
      if (o.maxSteps !== undefined && this.step >= o.maxSteps)
        return { reason: 'max_steps', message: `reached maxSteps ${o.maxSteps}` };
      if (o.epochs !== undefined && o.train.getState().epoch >= o.epochs)
        return { reason: 'epochs', message: `completed ${o.epochs} epoch(s)` };
      for await (const batch of o.train) {
        try {
          if (o.gradientSource) {
            const r = await o.gradientSource.lossAndGradients(batch);
            this.acc.addComputed(r.loss, r.grads);
          } else this.acc.add(() => this.trainingLoss(batch));
        } finally {
          o.train.disposeBatch(batch);
        }
        if (this.acc.size === o.accumulation && (await this.optimizerStep())) break;
      }
      if (this.stop) return this.stop;
      // The epoch is complete (the loader has moved on); a short tail group still makes a step.
      if (this.acc.size > 0) await this.optimizerStep();
      const epochsDone = o.train.getState().epoch;
      if (firesAtEpochEnd(o.evalCadence, epochsDone)) await this.runEval(true);
      if (this.dirs && firesAtEpochEnd(o.checkpointCadence, epochsDone)) await this.saveCheckpoint('last');
    }
  }

  /** One optimizer step from the accumulated micro-batches; true when training should stop. */
  private async optimizerStep(): Promise<boolean> {
    const o = this.o;
    const r = this.acc.finish(o.clipNorm);
    const bad = !Number.isFinite(r.meanLoss)
      ? `loss is ${r.meanLoss}`
      : !Number.isFinite(r.totalNorm)
        ? `gradient norm is ${r.totalNorm} (loss ${r.meanLoss})`
        : undefined;
    if (bad) {
      disposeGradients(r.grads);
      throw new TrainingDivergedError(this.step + 1, bad, this.lastCheckpoint?.dir ?? null);
    }
    try {
      applySchedule(this.optimizer, this.baseLrs, this.schedule(this.optimizer.stepCount));
      this.optimizer.step(r.grads);
      this.afterOptimizerStep(r.grads);
    } finally {
      disposeGradients(r.grads);
      o.gradientSource?.parametersChanged();
    }
    this.step += 1;
    this.lastLoss = r.meanLoss;
    const now = performance.now();
    const lrs = this.optimizer.groups.map((g) => g.lr);
    const logs: StepLogs = {
      step: this.step,
      epoch: this.epochProgress(),
      loss: r.meanLoss,
      lr: lrs[0] as number,
      lrs,
      gradNorm: r.totalNorm,
      stepSeconds: (now - this.lastStepEnd) / 1000,
    };
    this.window.loss += r.meanLoss;
    this.window.norm += r.totalNorm;
    this.window.steps += 1;
    if (this.step % o.logInterval === 0) await this.logTrain(now);
    this.reporter.step(logs);
    for (const cb of o.callbacks ?? []) await cb.onStepEnd?.(this.step, logs, this.control);
    if (firesAtStep(o.evalCadence, this.step)) await this.runEval(true);
    if (this.dirs && firesAtStep(o.checkpointCadence, this.step)) await this.saveCheckpoint('last');
    if (o.maxSteps !== undefined && this.step >= o.maxSteps) {
      this.stop ??= { reason: 'max_steps', message: `reached maxSteps ${o.maxSteps}` };
    }
    if (this.control.reason !== undefined) this.stop ??= { reason: 'callback', message: this.control.reason };
    if (o.signal) {
      // Let SIGINT/SIGTERM handlers run: the loop itself only awaits settled promises.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.checkSignal();
    }
    this.lastStepEnd = performance.now();
    return this.stop !== undefined;
  }

  /** The batch loss plus the model's own training term (AdaLoRA's orthogonal regulariser). */
  private trainingLoss(batch: B): tf.Scalar {
    return withTrainingLoss(this.o.model, this.o.loss(this.o.model, batch));
  }

  /** Lets the model see the step's gradients (by parameter) before they are freed. */
  private afterOptimizerStep(grads: ReadonlyMap<string, tf.Tensor>): void {
    if (!this.hooks?.onOptimizerStep) return;
    const byParameter = new Map<Parameter, tf.Tensor>();
    for (const [name, p] of this.named) {
      const g = grads.get(name);
      if (g) byParameter.set(p, g);
    }
    // `this.step` counts completed steps and is incremented after this call.
    this.hooks.onOptimizerStep({ step: this.step + 1, gradient: (p) => byParameter.get(p) });
  }

  private checkSignal(): void {
    const signal = this.o.signal;
    if (signal?.aborted) {
      const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      this.stop ??= { reason: 'interrupted', message: `interrupted (${why}) after step ${this.step}` };
    }
  }

  private async logTrain(now: number): Promise<void> {
    const w = this.window;
    await this.log.append({
      type: 'train',
      step: this.step,
      epoch: this.epochProgress(),
      loss: w.loss / w.steps,
      lr: this.optimizer.groups[0]?.lr ?? 0,
      gradNorm: w.norm / w.steps,
      itPerSec: w.steps / Math.max(1e-9, (now - w.since) / 1000),
      elapsedSeconds: this.elapsed(),
      tensorBytes: tf.memory().numBytes,
    });
    this.window = { loss: 0, norm: 0, steps: 0, since: now };
  }

  private async runEval(countForEarlyStopping: boolean): Promise<void> {
    const o = this.o;
    if (!o.eval) return;
    this.tally.reset();
    this.collector.reset();
    const metrics = await evaluate({
      model: o.model,
      loader: o.eval,
      loss: o.loss,
      evalStep: o.evalStep,
      metrics: o.metricObjects,
      observe: (p, t, c) => {
        this.tally.update(p, t, c);
        this.collector.update(p, t, c);
      },
    });
    this.lastDistribution = this.tally.distribution();
    this.lastAnalysis = this.collector.analysis(o.labels);
    this.tally.reset();
    this.collector.reset();
    this.lastEval = { step: this.step, metrics };
    await this.log.append({ type: 'eval', step: this.step, epoch: this.epochProgress(), metrics });
    const text = Object.entries(metrics)
      .map(([k, v]) => `${k} ${Number.isFinite(v) ? Number(v.toPrecision(4)) : v}`)
      .join(' | ');
    this.reporter.log(`eval @ step ${this.step}: ${text}`);
    if (this.monitor) {
      const { improved, shouldStop } = this.monitor.observe(metrics, this.step, { countForEarlyStopping });
      if (improved && this.dirs) await this.saveCheckpoint('best');
      if (shouldStop) {
        const es = o.earlyStopping;
        this.stop ??= {
          reason: 'early_stopping',
          message: `${es?.metric} did not improve by more than ${es?.minDelta ?? 0} for ${es?.patience} evaluation(s) (best at step ${this.monitor.bestStep ?? 'none'}, stopped at step ${this.step})`,
        };
      }
    }
    for (const cb of o.callbacks ?? []) await cb.onEvaluate?.(this.step, metrics, this.control);
  }

  private async saveCheckpoint(kind: 'last' | 'best'): Promise<void> {
    const dirs = this.dirs;
    if (!dirs) return;
    const dir = kind === 'last' ? dirs.last : dirs.best;
    if (kind === 'best') this.bestCheckpoint = dir;
    const o = this.o;
    const model = o.model as AnyModule & { savePretrained?: (dir: string) => Promise<void> };
    const saveAdapter =
      o.saveAdapter ??
      (typeof model.savePretrained === 'function' ? (d: string) => model.savePretrained!(d) : undefined);
    await writeTrainerCheckpoint(dir, {
      named: this.named,
      optimizer: this.optimizer,
      saveAdapter,
      state: (optimizerStep, hyper) => this.stateFile(optimizerStep, hyper),
    });
    if (kind === 'last') this.lastCheckpoint = { dir, step: this.step };
    await writeReport(path.join(dirs.root, 'report.html'), {
      title: this.title(),
      records: this.log.records,
      ...(o.reportSections ? { sections: o.reportSections } : {}),
    });
    for (const cb of o.callbacks ?? []) await cb.onCheckpoint?.(dir, { step: this.step, kind }, this.control);
  }

  private stateFile(optimizerStep: number, hyper: TrainerStateFile['optimizer']['hyper']): TrainerStateFile {
    const o = this.o;
    const config = trajectoryConfig(o, this.named);
    return {
      format: TRAINER_STATE_FORMAT,
      version: TRAINER_STATE_VERSION,
      step: this.step,
      epoch: this.epochProgress(),
      dataOrder: { train: o.train.getState(), eval: o.eval?.getState() ?? null },
      rng: getRng().getState(),
      scheduleBaseLrs: [...this.baseLrs],
      optimizer: { step: optimizerStep, hyper },
      monitor: this.monitor?.getState() ?? null,
      lastEvalMetrics: this.lastEval ? { ...this.lastEval.metrics } : null,
      lastEvalStep: this.lastEval?.step ?? null,
      bestCheckpoint: this.bestCheckpoint,
      elapsedSeconds: this.elapsed(),
      peakTensorBytes: this.peakBytes(),
      trainableParameters: this.named.map(([p, param]) => ({ path: p, shape: [...param.shape] })),
      configHash: configHash(config),
      config,
      softConfig: softConfig(o),
    };
  }

  /** Loads a checkpoint into the model, optimizer, loaders, monitor and RNG. */
  private async restore(resumeFrom: string): Promise<void> {
    const o = this.o;
    const {
      dir,
      state: s,
      rederived,
    } = await restoreSession(resumeFrom, {
      named: this.named,
      optimizer: this.optimizer,
      train: o.train,
      eval: o.eval,
      monitor: this.monitor,
      config: trajectoryConfig(o, this.named),
      softConfig: softConfig(o),
      strict: o.strictResume ?? true,
      warmupRatio: o.warmupRatio,
      log: (line) => this.reporter.log(line),
    });
    this.baseLrs = [...s.scheduleBaseLrs];
    this.step = s.step;
    this.resumedFromStep = s.step;
    this.rederived = rederived;
    if (rederived) {
      const was = rederived.fromTotalSteps === null ? '' : ` of ${rederived.fromTotalSteps}`;
      this.reporter.log(
        `note: lr schedule re-derived for ${o.totalSteps ?? '?'} total steps: warmup ${o.scheduleConfig.warmupSteps} steps ` +
          `(warmupRatio ${rederived.warmupRatio}; was ${rederived.fromWarmupSteps}${was})`,
      );
    }
    if (s.lastEvalMetrics && s.lastEvalStep !== null) {
      const metrics = Object.entries(s.lastEvalMetrics).map(([k, v]) => [k, v ?? Number.NaN] as const);
      this.lastEval = { step: s.lastEvalStep, metrics: Object.fromEntries(metrics) };
    }
    this.bestCheckpoint = s.bestCheckpoint;
    this.elapsedBefore = s.elapsedSeconds;
    this.restoredPeak = s.peakTensorBytes;
    if (this.dirs && path.resolve(dir) === path.resolve(this.dirs.last))
      this.lastCheckpoint = { dir, step: s.step };
    // A loader the checkpoint did not know (eval added on resume) draws its seed now, before the
    // RNG is restored, rather than in the middle of training where it would shift the stream.
    o.eval?.initSeed();
    // Last, so nothing drawn while restoring shifts the stream the next step will use.
    getRng().setState(s.rng);
  }

  private epochProgress(): number {
    const { epoch, position } = this.o.train.getState();
    const len = this.o.train.length;
    return len ? epoch + position / len : epoch;
  }

  private elapsed(): number {
    return this.elapsedBefore + (performance.now() - this.sessionStart) / 1000;
  }

  private peakBytes(): number {
    return Math.max(this.restoredPeak, this.acc.peakBytes);
  }

  private title(): string {
    return this.o.runName ?? (this.dirs ? path.basename(path.resolve(this.dirs.root)) : 'training run');
  }

  private summary(stop: Stop): TrainSummary {
    const m = this.monitor;
    return {
      trainableParameters: this.named.reduce((n, [, p]) => n + p.size, 0),
      totalParameters: this.o.model.numParameters(),
      steps: this.step,
      epochs: this.epochProgress(),
      wallTimeSeconds: this.elapsed(),
      resumedFromStep: this.resumedFromStep,
      schedule: {
        kind: this.o.scheduleConfig.kind,
        warmupSteps: this.o.scheduleConfig.warmupSteps,
        warmupRatio: this.o.warmupRatio,
        totalSteps: this.o.totalSteps ?? null,
        rederivedFrom: this.rederived
          ? { warmupSteps: this.rederived.fromWarmupSteps, totalSteps: this.rederived.fromTotalSteps }
          : null,
      },
      bestMetric:
        m && m.best !== null && m.bestStep !== null
          ? { name: m.metric, mode: m.mode, value: m.best, step: m.bestStep }
          : null,
      finalMetrics: this.lastEval?.metrics ?? null,
      finalTrainLoss: this.lastLoss,
      backend: tf.getBackend(),
      workers: this.o.gradientSource?.ranks ?? 1,
      peakTensorBytes: this.peakBytes(),
      optimizerStateBytes: this.optimizer.stateBytes(),
      stoppedEarly:
        stop.reason === 'early_stopping' || stop.reason === 'callback' || stop.reason === 'interrupted',
      reason: stop.reason,
      message: stop.message,
      outputDir: this.dirs?.root ?? null,
      checkpoints: { last: this.lastCheckpoint?.dir ?? null, best: this.bestCheckpoint },
      evalClassDistribution: this.lastDistribution,
      warnings: classificationWarnings(this.lastDistribution, this.o.labels),
    };
  }

  private async writeOutputs(summary: TrainSummary): Promise<void> {
    for (const w of summary.warnings) this.reporter.log(`WARNING: ${w.message}`);
    if (!this.dirs) return;
    await writeSummary(path.join(this.dirs.root, 'summary.json'), summary);
    const analysis = this.lastAnalysis;
    if (analysis) await writeJsonAtomic(path.join(this.dirs.root, CLASSIFICATION_FILE), analysis);
    else await fs.rm(path.join(this.dirs.root, CLASSIFICATION_FILE), { force: true });
    await writeReport(path.join(this.dirs.root, 'report.html'), {
      title: this.title(),
      records: this.log?.records ?? [],
      summary,
      sections: [
        ...(analysis ? [classificationSection(analysis, FINAL_EVALUATION_TITLE)] : []),
        ...(this.o.reportSections ?? []),
      ],
    });
  }
}

/**
 * File in the output directory holding the last evaluation's `ClassificationAnalysis` (confusion
 * matrix, per-class scores, ROC/PR curves) when the task is single-label classification.
 */
export const CLASSIFICATION_FILE = 'classification.json';

/** Title of the report section drawn from `CLASSIFICATION_FILE`. */
export const FINAL_EVALUATION_TITLE = 'Final evaluation (eval split)';

/**
 * Trains `options.model`; shorthand for `new Trainer(options).fit()`.
 *
 * @example
 * const summary = await fit({ model, train, loss, epochs: 1, outputDir: 'runs/a' });
 */
export async function fit<M extends AnyModule, B>(options: FitOptions<M, B>): Promise<TrainSummary> {
  // async, so invalid options reject like every other failure instead of throwing synchronously.
  return new Trainer(options).fit();
}
