import { DataLoader } from '../../train/data/data-loader.js';
import type { AnyDataset } from '../../train/data/dataset.js';
import type { EncodeContext, ModelBatch, PreprocessorInstance } from '../preprocessor.js';

export interface BatchLoaderOptions {
  readonly batchSize: number;
  /** Training loaders shuffle and encode with `training: true` (augmentation on). */
  readonly training: boolean;
  readonly seed: number;
  readonly name: string;
}

/**
 * A `DataLoader` whose collate encodes each raw example with the preprocessor and collates the
 * results, with the loader's per-batch seeded generator as `rng`.
 */
export function batchLoader(
  dataset: AnyDataset<unknown>,
  instance: PreprocessorInstance,
  o: BatchLoaderOptions,
): DataLoader<unknown, ModelBatch> {
  return new DataLoader<unknown, ModelBatch>(dataset, {
    batchSize: o.batchSize,
    shuffle: o.training,
    seed: o.seed,
    name: o.name,
    collate: async (examples, ctx) => {
      const c: EncodeContext = { training: o.training, rng: ctx.rng };
      const encoded = await Promise.all(examples.map((e) => instance.encode(e, c)));
      return instance.collate(encoded, c);
    },
  });
}
