/** Task heads: single-label and multi-label classification, class balance, flip TTA. */
export { classWeightsFromCounts, posWeightsFromRows } from './class-balance.js';
export {
  buildClassifier,
  type ClassificationHeadOptions,
  classificationHead,
  classificationHeadOptions,
  requireFeatures,
} from './classification-head.js';
export { ImageClassifier, type ImageClassifierOptions } from './image-classifier.js';
export { type HeadLayout, headLayout } from './layout.js';
export {
  decodeMultilabel,
  type MultilabelHeadOptions,
  multilabelHead,
  multilabelHeadOptions,
  type Thresholds,
  tuneThresholds,
} from './multilabel-head.js';
export { type FlipTta, flipTta, flipViews } from './tta.js';
