export {
  type BinaryCrossEntropyOptions,
  binaryCrossEntropyWithLogits,
} from './binary-cross-entropy.js';
export { type CrossEntropyOptions, crossEntropy } from './cross-entropy.js';
export { type CtcLossOptions, ctcLoss } from './ctc-loss.js';
export { type GaussianNllLossOptions, gaussianNllLoss } from './gaussian-nll-loss.js';
export { type HuberLossOptions, huberLoss } from './huber-loss.js';
export { mseLoss } from './mse-loss.js';
export { type Reduction, reduce } from './reduction.js';
