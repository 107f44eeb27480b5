/** Image preprocessing: decoding with sharp, geometric and photometric transforms, the pipeline. */
export { dropAlpha, LUMA_WEIGHTS, toChannels } from './channels.js';
export { adjustBrightness, adjustContrast, meanGrey, type ValueRange } from './color-jitter.js';
export { ConcurrencyLimit, mapConcurrent } from './concurrency.js';
export { type CropBox, centerBox, centerCrop, crop, randomBox, randomCrop } from './crop.js';
export { type DecodedImage, type DecodeOptions, decodeImage, ImageDecodeError } from './decode.js';
export {
  type DecodeBatchOptions,
  type DecodeBatchResult,
  decodeImages,
  type SkippedImage,
} from './decode-batch.js';
export { flipHorizontal, flipVertical } from './flip.js';
export {
  type EncodedImage,
  ImagePreprocessor,
  type ImagePreprocessorOptions,
  imagePreprocessor,
  imagePreprocessorOptions,
} from './image-preprocessor.js';
export { affineIntensity, applyWindow, type IntensityWindow, scaleToUnit } from './intensity.js';
export { IMAGENET_MEAN, IMAGENET_STD, minMax, normalizeMeanStd, zScore } from './normalize.js';
export { type AugmentDraw, drawAugmentation, ImagePipeline } from './pipeline.js';
export {
  type AugmentOptions,
  augmentOptions,
  type ImagePipelineInput,
  type ImagePipelineOptions,
  imagePipelineOptions,
} from './pipeline-options.js';
export { type ImageSize, type RawImage, rawImage, toSize, valueRange, withData } from './raw-image.js';
export { cropWithPadding, type ResizeFit, type ResizeOptions, resize } from './resize.js';
export { rotate } from './rotate.js';
export { fromBatchTensor, toBatchTensor } from './to-tensor.js';
export type { VisionBatch } from './vision-batch.js';
