import type { DataLoader } from '../../train/data/data-loader.js';
import type { ModelBatch } from '../preprocessor.js';
import type { RunConfig } from '../run-config/schema.js';
import { batchLoader } from './batches.js';
import type { PreparedRun } from './prepare-run.js';
import { resolveSampling } from './resolve-sampling.js';

/**
 * The training batches of a prepared run, as `train`, `tune-lr` and `suggest` all draw them:
 * `data.sampling` resolved against the training labels (its note logged when `auto` chose),
 * shuffled or class-balanced with the run's seed and batch size. Throws on a sampling the data or
 * preprocessor cannot serve; the caller owns the model and disposes it.
 */
export async function trainBatchLoader(
  prepared: PreparedRun,
  config: RunConfig,
  log: (line: string) => void,
): Promise<DataLoader<unknown, ModelBatch>> {
  const { parts, instance } = prepared;
  const data = prepared.data;
  if (!data) throw new Error('trainBatchLoader: the run was prepared without its data (readData: false)');
  const sampling = await resolveSampling({
    sampling: config.data.sampling,
    task: parts.head.task,
    train: data.train,
    labelOf: data.labelOf,
    labels: data.labels,
    preprocessorBalances: instance.balancesClasses?.() ?? false,
  });
  if (sampling.note) log(sampling.note);
  return batchLoader(data.train, instance, {
    batchSize: config.training.batchSize,
    training: true,
    seed: config.training.seed,
    name: 'train',
    sampling: sampling.sampling,
    labelOf: data.labelOf,
    preprocessorId: parts.preprocessor.id,
  });
}
