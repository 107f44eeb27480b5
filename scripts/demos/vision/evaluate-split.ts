import {
  type AnyModule,
  batchLoader,
  evaluate,
  headForward,
  loadRun,
  type ModelBatch,
  type PeftkitHost,
  type RunConfig,
} from '@peftkit/core';
import { type MedMnistSplit, readMedMnist } from '@peftkit/vision';

/**
 * Metrics of a finished run on one split of a MedMNIST `.npz`, preprocessed with the run's saved
 * preprocessor state. `peftkit eval` reads with the run's own reader and `data.options`, so it
 * can reach neither the `test` split of an archive the run trained on (its `evalSplit` is `val`)
 * nor an `.npz` at all for a base pretrained on the `mnist` package: hence this helper, built
 * from the same pieces as `evaluateRun`.
 */
export async function evaluateSplit(
  host: PeftkitHost,
  runDir: string,
  file: string,
  split: MedMnistSplit,
  metrics: readonly string[],
): Promise<Record<string, number>> {
  const run = await loadRun(host, runDir);
  try {
    const { examples } = await readMedMnist(file, split, { labelNames: run.labels });
    const config = run.manifest.config as RunConfig;
    const head = run.head;
    return await evaluate<AnyModule, ModelBatch>({
      model: run.model,
      loader: batchLoader(examples, run.instance, {
        batchSize: config.training.evalBatchSize ?? config.training.batchSize,
        training: false,
        seed: config.training.seed,
        name: `${file}:${split}`,
      }),
      loss: (m, b) => head.loss(headForward(head, m, b, false), b),
      evalStep: (m, b) => head.metricInputs(headForward(head, m, b, false), b),
      metrics: metrics.map((name) => host.createMetric(name)),
    });
  } finally {
    run.model.dispose();
  }
}
