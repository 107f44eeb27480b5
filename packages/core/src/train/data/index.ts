export { DataError } from './data-error.js';
export {
  type BatchSource,
  type Collate,
  type CollateContext,
  DataLoader,
  type DataLoaderOptions,
  type DataLoaderState,
} from './data-loader.js';
export {
  type AnyDataset,
  arrayDataset,
  type Dataset,
  datasetName,
  type IterableDataset,
  isMapDataset,
  iterableDataset,
  subsetDataset,
} from './dataset.js';
export { deriveSeed } from './derive-seed.js';
export { disposeTensorsIn } from './dispose-batch.js';
export {
  type LengthGroupedOptions,
  lengthGroupedIndices,
  lengthGroupedSampler,
  megaBatchMultFor,
} from './length-grouped-sampler.js';
export {
  classBalancedSampler,
  drawWeighted,
  inverseClassFrequencyWeights,
  type Sampler,
} from './sampler.js';
export { type TrainEvalSplit, type TrainEvalSplitOptions, trainEvalSplit } from './train-eval-split.js';
