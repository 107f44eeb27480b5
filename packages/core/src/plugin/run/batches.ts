import { DataLoader } from '../../train/data/data-loader.js';
import type { AnyDataset } from '../../train/data/dataset.js';
import { classBalancedSampler, type Sampler } from '../../train/data/sampler.js';
import type { EncodeContext, ModelBatch, PreprocessorInstance } from '../preprocessor.js';
import type { DataSampling } from '../run-config/schema.js';
import { UserError } from '../user-error.js';

export interface BatchLoaderOptions {
  readonly batchSize: number;
  /** Training loaders shuffle (or sample) and encode with `training: true` (augmentation on). */
  readonly training: boolean;
  readonly seed: number;
  readonly name: string;
  /** How a training loader draws its examples (`data.sampling`, default `shuffle`). */
  readonly sampling?: DataSampling | undefined;
  /** The class of a raw example (the reader's `labelOf`), for `class-balanced` sampling. */
  readonly labelOf?: ((example: unknown) => string | number) | undefined;
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
  const sampler = o.training ? samplerFor(o) : undefined;
  return new DataLoader<unknown, ModelBatch>(dataset, {
    batchSize: o.batchSize,
    ...(sampler ? { sampler } : { shuffle: o.training }),
    seed: o.seed,
    name: o.name,
    collate: async (examples, ctx) => {
      const c: EncodeContext = { training: o.training, rng: ctx.rng };
      const encoded = await Promise.all(examples.map((e) => instance.encode(e, c)));
      return instance.collate(encoded, c);
    },
  });
}

function samplerFor(o: BatchLoaderOptions): Sampler<unknown> | undefined {
  if ((o.sampling ?? 'shuffle') === 'shuffle') return undefined;
  if (!o.labelOf) {
    throw new UserError(
      "data.sampling 'class-balanced' needs the class of every training example, but the reader gives " +
        'none (no labelOf: multi-label and regression data have no single class); use ' +
        "data.sampling 'shuffle' with loss weights instead",
    );
  }
  return classBalancedSampler(o.labelOf);
}
