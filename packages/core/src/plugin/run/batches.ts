import { DataLoader } from '../../train/data/data-loader.js';
import type { AnyDataset } from '../../train/data/dataset.js';
import { lengthGroupedSampler } from '../../train/data/length-grouped-sampler.js';
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
  /** How a training loader draws its examples (`data.sampling` after `resolveSampling`; default `shuffle`). */
  readonly sampling?: Exclude<DataSampling, 'auto'> | undefined;
  /** The class of a raw example (the reader's `labelOf`), for `class-balanced` sampling. */
  readonly labelOf?: ((example: unknown) => string | number) | undefined;
  /** The preprocessor's id, named when `group-by-length` finds no `lengthOf` on it. */
  readonly preprocessorId?: string | undefined;
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
  const sampler = o.training ? samplerFor(o, instance) : undefined;
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

function samplerFor(o: BatchLoaderOptions, instance: PreprocessorInstance): Sampler<unknown> | undefined {
  const sampling = o.sampling ?? 'shuffle';
  if (sampling === 'shuffle') return undefined;
  if (sampling === 'group-by-length') {
    if (!instance.lengthOf) {
      throw new UserError(
        `data.sampling 'group-by-length' needs the length of every training example, but preprocessor ` +
          `'${o.preprocessorId ?? 'unknown'}' has no lengthOf; use data.sampling 'shuffle'`,
      );
    }
    // The preprocessor is fitted before the loader first runs, so its lengths are final.
    return lengthGroupedSampler((e) => instance.lengthOf!(e), o.batchSize);
  }
  if (!o.labelOf) {
    throw new UserError(
      "data.sampling 'class-balanced' needs the class of every training example, but the reader gives " +
        'none (no labelOf: multi-label and regression data have no single class); use ' +
        "data.sampling 'shuffle' with loss weights instead",
    );
  }
  return classBalancedSampler(o.labelOf);
}
