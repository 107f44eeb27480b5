import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AnyModule } from '../../nn/module.js';
import { enableGradientCheckpointing, PeftModel } from '../../peft/index.js';
import type { TrainSummary } from '../../train/report/summary.js';
import type { FitOptions } from '../../train/trainer/fit-options.js';
import { Trainer } from '../../train/trainer/trainer.js';
import { headForward } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { ModelBatch } from '../preprocessor.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { PEFTKIT_VERSION } from '../version.js';
import { batchLoader } from './batches.js';
import { applyPeft } from './build-model.js';
import { loadHeadWeights, saveHeadWeights } from './head-weights.js';
import { prepareRun } from './prepare-run.js';
import { writePreprocessorFile } from './preprocessor-file.js';
import { RUN_FILES } from './run-files.js';
import { type RunKind, type RunManifest, readRunManifest, writeRunManifest } from './run-manifest.js';

export interface TrainRunOptions {
  readonly config: RunConfig;
  /** Where each config value came from, for error messages. */
  readonly origins?: ReadonlyMap<string, string>;
  readonly outDir: string;
  /** Continue the run in `outDir` from its `checkpoints/last` (or from this checkpoint dir). */
  readonly resumeFrom?: string;
  /** Trainer progress display (default 'auto': a bar on a TTY, plain lines otherwise; on stderr). */
  readonly progress?: FitOptions<AnyModule, ModelBatch>['progress'];
  /** Receives warnings and notes (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface TrainRunResult {
  readonly outputDir: string;
  readonly kind: RunKind;
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
  const prior = await readRunManifest(out).catch(() => undefined);
  if (prior && !o.resumeFrom) {
    throw new UserError(
      `${out} already holds a run; pass --resume ${o.outDir} to continue it, or choose another --out`,
    );
  }
  const ownBase =
    kind === 'adapter' && prior?.base === RUN_FILES.baseDir ? path.join(out, RUN_FILES.baseDir) : undefined;
  const prepared = await prepareRun(host, config, {
    readData: true,
    log,
    ...(o.origins ? { origins: o.origins } : {}),
    ...(prior ? { resumeDir: out } : {}),
    ...(ownBase ? { baseDir: ownBase } : {}),
  });
  const { parts, instance, built } = prepared;
  const data = prepared.data!;
  const { headed, architecture, archConfig } = built;
  const t = config.training;
  if (t.gradientCheckpointing && !built.placement.layers) {
    headed.model.dispose();
    throw new UserError(
      `training.gradientCheckpointing: architecture '${architecture.id}' has no repeated blocks to checkpoint`,
    );
  }
  // Built before anything is written, so a sampling the data or preprocessor cannot serve fails early.
  const trainLoader = (() => {
    try {
      return batchLoader(data.train, instance, {
        batchSize: t.batchSize,
        training: true,
        seed: t.seed,
        name: 'train',
        sampling: config.data.sampling,
        labelOf: data.labelOf,
        preprocessorId: parts.preprocessor.id,
      });
    } catch (err) {
      headed.model.dispose();
      throw err;
    }
  })();
  const headFile = path.join(out, RUN_FILES.head);
  await fs.mkdir(out, { recursive: true });

  let base: string | null = null;
  if (kind === 'adapter') {
    if (prepared.baseDir === undefined) {
      // The adapter is meaningless without the exact random base it was trained on: keep it.
      await architecture.saveCheckpoint(
        path.join(out, RUN_FILES.baseDir),
        headed.model.getSubmodule(headed.basePath),
        archConfig,
      );
      await instance.saveFiles?.(path.join(out, RUN_FILES.baseDir));
      base = RUN_FILES.baseDir;
    } else base = ownBase ? RUN_FILES.baseDir : prepared.baseDir;
    // The head's initial weights: the adapter file holds only its trained copy (modulesToSave).
    if (prior) await loadHeadWeights(headFile, headed);
    else await saveHeadWeights(headFile, headed);
  }
  await writePreprocessorFile(out, parts.preprocessor.id, parts.preprocessOptions, instance);
  // Standard files for other tools (a tokenizer directory), next to the adapter or checkpoint.
  await instance.saveFiles?.(out);
  const manifest: RunManifest = {
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
  };
  await writeRunManifest(out, manifest);

  const model: AnyModule =
    kind === 'adapter' ? applyPeft(host, config, built, (m) => log(`warning: ${m}`)) : headed.model;
  if (t.gradientCheckpointing) {
    const blocks = enableGradientCheckpointing(headed.model, built.placement);
    log(`gradient checkpointing: ${blocks} blocks recompute their activations in the backward pass`);
  }
  if (kind === 'full' && !config.head.trainable) {
    for (const p of headed.headPaths)
      for (const param of headed.model.getSubmodule(p).parameters()) param.trainable = false;
  }
  try {
    const head = parts.head;
    const headConfig = parts.headConfig;
    const context = { config: headConfig, labels: data.labels };
    const summary = await new Trainer<AnyModule, ModelBatch>({
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
      loss: (m, b) => head.loss(headForward(head, m, b, true, headConfig), b, context),
      evalStep: (m, b) => head.metricInputs(headForward(head, m, b, false, headConfig), b, context),
      metrics: (t.metrics ?? head.defaultMetrics).map((name) => host.createMetric(name)),
      optimizer: {
        name: t.optimizer,
        lr: t.lr,
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
      progress: o.progress ?? 'auto',
      runName: path.basename(out),
    }).fit();
    if (model instanceof PeftModel) await model.savePretrained(out);
    else {
      await architecture.saveCheckpoint(out, headed.model.getSubmodule(headed.basePath), archConfig);
      await saveHeadWeights(headFile, headed);
    }
    await writeRunManifest(out, { ...manifest, status: 'complete' });
    const files = (await fs.readdir(out)).sort();
    return { outputDir: out, kind, summary, labels: manifest.labels, files };
  } finally {
    model.dispose();
  }
}
