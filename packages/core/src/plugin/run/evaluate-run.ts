import type { AnyModule } from '../../nn/module.js';
import { type ClassDistribution, ClassTally } from '../../train/report/class-tally.js';
import {
  type ClassificationAnalysis,
  ClassificationCollector,
} from '../../train/report/classification-analysis.js';
import { classificationWarnings, type RunWarning } from '../../train/report/run-warnings.js';
import { evaluate } from '../../train/trainer/evaluate.js';
import type { DatasetReader } from '../dataset-reader.js';
import { headForward } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { ModelBatch } from '../preprocessor.js';
import type { RunConfig } from '../run-config/schema.js';
import { batchLoader } from './batches.js';
import { withThreshold } from './decision-threshold.js';
import type { LoadedRun } from './load-run.js';
import { inputPolicyOf, pickReader, readEvalData } from './read-data.js';

export interface EvaluateRunOptions {
  /** Data to evaluate on (any location the run's reader understands). */
  readonly data: string;
  /**
   * A named split of a multi-split source (`test` of an archive); default: the reader's eval
   * split. Unknown names fail listing the source's splits.
   */
  readonly split?: string;
  /** Metric names (default: the run's `training.metrics`, else the head's defaults). */
  readonly metrics?: readonly string[];
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

export interface EvaluateRunResult {
  /** `loss` plus each metric (record-valued metrics flattened to `<name>.<key>`). */
  readonly metrics: Record<string, number>;
  readonly examples: number | null;
  readonly warnings: readonly string[];
  /** Classification: true and predicted classes; null for other tasks. */
  readonly classDistribution: ClassDistribution | null;
  /** The model predicts one class, or its macro F1 is at the majority-class baseline. */
  readonly qualityWarnings: readonly RunWarning[];
  /**
   * Single-label classification: confusion matrix, per-class precision/recall/F1 and ROC/PR
   * curves (where the head gives scores); null for other tasks.
   */
  readonly classification: ClassificationAnalysis | null;
}

/**
 * Evaluates a loaded run on new data, preprocessed with the run's saved state and read with its
 * reader and label set (labels it never saw are reported by the reader).
 *
 * @example
 * const run = await loadRun(host, 'runs/demo');
 * const { metrics } = await evaluateRun(host, run, { data: 'test.csv' });
 */
export async function evaluateRun(
  host: PeftkitHost,
  run: LoadedRun,
  o: EvaluateRunOptions,
): Promise<EvaluateRunResult> {
  const config = run.manifest.config as RunConfig;
  // The run's own reader only if it accepts this location: a reader that ignores paths (a
  // package-backed dataset) would otherwise silently evaluate its own data instead of o.data.
  // A plain HF directory has no reader: its task's readers (`Head.hf.readers`) come first.
  const preferred = run.manifest.reader ? [run.manifest.reader] : (run.head.hf?.readers ?? []);
  let reader: DatasetReader | undefined;
  for (const id of preferred) {
    // The run's own reader must be installed; a task's suggestions may be absent.
    const r = run.manifest.reader || host.readers.has(id) ? host.readers.get(id) : undefined;
    if (r && (await r.canRead(o.data))) {
      reader = r;
      break;
    }
  }
  reader ??= await pickReader(host, { ...config, data: { ...config.data, reader: undefined } }, o.data);
  const read = await readEvalData(
    reader,
    o.data,
    config.data.options,
    run.labels,
    o.split,
    inputPolicyOf(config),
  );
  for (const w of read.warnings ?? []) o.log?.(`warning: ${w}`);
  const head = run.head;
  const headConfig = run.headConfig;
  const context = { config: headConfig, labels: run.labels };
  const tally = new ClassTally();
  const collector = new ClassificationCollector();
  const metrics = await evaluate<AnyModule, ModelBatch>({
    model: run.model,
    loader: batchLoader(read.dataset, run.instance, {
      batchSize: o.batchSize ?? config.training.evalBatchSize ?? config.training.batchSize,
      training: false,
      seed: config.training.seed,
      name: o.data,
    }),
    loss: (m, b) => head.loss(headForward(head, m, b, false, headConfig), b, context),
    evalStep: (m, b) =>
      withThreshold(
        head.metricInputs(headForward(head, m, b, false, headConfig), b, context),
        run.manifest.decisionThreshold,
      ),
    metrics: (o.metrics ?? config.training.metrics ?? head.defaultMetrics).map((n) => host.createMetric(n)),
    observe: (p, t, c) => {
      tally.update(p, t, c);
      collector.update(p, t, c);
    },
  });
  const classDistribution = tally.distribution();
  const qualityWarnings = classificationWarnings(classDistribution, run.labels);
  return {
    metrics,
    examples: typeof read.dataset.length === 'number' ? read.dataset.length : null,
    warnings: read.warnings ?? [],
    classDistribution,
    qualityWarnings,
    classification: collector.analysis(run.labels),
  };
}
