import { z } from 'zod';

const side = z.number().int().positive();
/** A square side or `[height, width]`. */
const size = z.union([side, z.tuple([side, side])]);
const probability = z.number().min(0).max(1);

/** Intensity mapping applied right after decoding. */
const intensity = z.union([
  z.enum(['auto', 'unit', 'none']),
  z.strictObject({ center: z.number(), width: z.number().min(1) }),
]);

/** Final normalisation. */
const normalize = z.union([
  z.enum(['imagenet', 'z-score', 'min-max', 'none']),
  z.strictObject({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }),
]);

/** Training-time random augmentation; everything is off by default. */
export const augmentOptions = z.strictObject({
  /** Crop `crop` at a random position instead of the centre. */
  randomCrop: z.boolean().default(false),
  /** Zero padding added on every side before a random crop (CIFAR style). */
  cropPadding: z.number().int().nonnegative().default(0),
  /** Probability of a left-right mirror. */
  hflip: probability.default(0),
  /** Probability of a top-bottom mirror. */
  vflip: probability.default(0),
  /** Rotation by a uniform angle in [-rotate, rotate] degrees. */
  rotate: z.number().min(0).max(180).default(0),
  /** Brightness factor uniform in [1 - brightness, 1 + brightness]. */
  brightness: z.number().min(0).max(1).default(0),
  /** Contrast factor uniform in [1 - contrast, 1 + contrast]. */
  contrast: z.number().min(0).max(1).default(0),
});

/**
 * Options of `ImagePipeline` (and of the `vision/image` preprocessor). Steps run in this order:
 * channels (to grey) -> intensity -> resize -> crop -> flips/rotation -> brightness/contrast ->
 * channels (grey to RGB) -> normalise.
 */
export const imagePipelineOptions = z.strictObject({
  /** Output channels: 1 (grey) or 3 (RGB; grey images are replicated). Default: as decoded. */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  /**
   * `auto` (default): divide by the nominal maximum (255 / 65535) when the source has one, else
   * per-image min-max. `unit`: always divide (error without a nominal range). `none`: raw values.
   * `{center, width}`: DICOM/CT linear window to [0, 1].
   */
  intensity: intensity.default('auto'),
  /** Resize to this size first (`fit`: fill, cover, contain). */
  resize: z.strictObject({ size, fit: z.enum(['fill', 'cover', 'contain']).default('fill') }).optional(),
  /** Crop to this size: centre crop, or random crop in training with `augment.randomCrop`. */
  crop: size.optional(),
  augment: augmentOptions.prefault({}),
  /**
   * `imagenet`: torchvision's mean/std (needs 3 channels); `z-score`: per image; `min-max`: per
   * image to [0, 1]; `{mean, std}`: per channel; `none` (default).
   */
  normalize: normalize.default('none'),
});

export type AugmentOptions = z.output<typeof augmentOptions>;
export type ImagePipelineOptions = z.output<typeof imagePipelineOptions>;
export type ImagePipelineInput = z.input<typeof imagePipelineOptions>;
