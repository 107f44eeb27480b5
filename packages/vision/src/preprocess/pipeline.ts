import type { Rng } from '@peftkit/core';
import { dropAlpha, toChannels } from './channels.js';
import { adjustBrightness, adjustContrast, type ValueRange } from './color-jitter.js';
import { centerCrop } from './crop.js';
import { flipHorizontal, flipVertical } from './flip.js';
import { applyWindow, scaleToUnit } from './intensity.js';
import { IMAGENET_MEAN, IMAGENET_STD, minMax, normalizeMeanStd, zScore } from './normalize.js';
import {
  type AugmentOptions,
  type ImagePipelineInput,
  type ImagePipelineOptions,
  imagePipelineOptions,
} from './pipeline-options.js';
import { type RawImage, toSize } from './raw-image.js';
import { cropWithPadding, resize } from './resize.js';
import { rotate } from './rotate.js';

/**
 * The random choices for one example, drawn before the image is decoded. Positions are stored as
 * fractions so they can be drawn without knowing the image size; drawing synchronously, in
 * example order, keeps augmentation reproducible however decodes interleave.
 */
export interface AugmentDraw {
  readonly cropY: number;
  readonly cropX: number;
  readonly hflip: boolean;
  readonly vflip: boolean;
  readonly degrees: number;
  readonly brightness: number;
  readonly contrast: number;
}

/** Draws one example's augmentation from `rng` (a fixed number of draws per enabled option). */
export function drawAugmentation(a: AugmentOptions, rng: Rng): AugmentDraw {
  return {
    cropY: a.randomCrop ? rng.next() : 0.5,
    cropX: a.randomCrop ? rng.next() : 0.5,
    hflip: a.hflip > 0 && rng.next() < a.hflip,
    vflip: a.vflip > 0 && rng.next() < a.vflip,
    degrees: a.rotate > 0 ? rng.uniform(-a.rotate, a.rotate) : 0,
    brightness: a.brightness > 0 ? rng.uniform(1 - a.brightness, 1 + a.brightness) : 1,
    contrast: a.contrast > 0 ? rng.uniform(1 - a.contrast, 1 + a.contrast) : 1,
  };
}

/**
 * The preprocessing of one image, configured once (see `imagePipelineOptions` for the steps and
 * their order). Augmentation runs only when `apply` receives a draw, i.e. in training.
 *
 * @example
 * const p = new ImagePipeline({ channels: 3, resize: { size: 256 }, crop: 224, normalize: 'imagenet',
 *   augment: { randomCrop: true, hflip: 0.5 } });
 * const draw = p.draw(rng);           // training only
 * const x = p.apply(decoded, draw);   // [224, 224, 3] floats
 */
export class ImagePipeline {
  readonly options: ImagePipelineOptions;

  constructor(options: ImagePipelineInput = {}) {
    this.options = Object.freeze(imagePipelineOptions.parse(options));
  }

  /** True when any augmentation is enabled. */
  get augments(): boolean {
    const a = this.options.augment;
    return a.randomCrop || a.hflip > 0 || a.vflip > 0 || a.rotate > 0 || a.brightness > 0 || a.contrast > 0;
  }

  /** This example's random choices (call synchronously, in example order). */
  draw(rng: Rng): AugmentDraw {
    return drawAugmentation(this.options.augment, rng);
  }

  /** `[height, width, channels]` of every output, where the options fix it (else `undefined` entries). */
  outputShape(): [number | undefined, number | undefined, number | undefined] {
    const o = this.options;
    const s = o.crop ?? o.resize?.size;
    const [h, w] = s === undefined ? [undefined, undefined] : toSize(s, 'ImagePipeline');
    return [h, w, o.channels];
  }

  /** Runs every step; `draw` (training) enables augmentation. */
  apply(image: RawImage, draw?: AugmentDraw): RawImage {
    const o = this.options;
    let img = image;
    img = dropAlpha(img);
    if (o.channels === 1 && img.channels !== 1) img = toChannels(img, 1);
    img = this.mapIntensity(img);
    if (o.resize) img = resize(img, o.resize.size, { fit: o.resize.fit });
    if (o.crop !== undefined) img = this.cropStep(img, draw);
    if (draw) {
      if (draw.hflip) img = flipHorizontal(img);
      if (draw.vflip) img = flipVertical(img);
      if (draw.degrees !== 0) img = rotate(img, draw.degrees);
      // Unit-range images are clamped to [0, 1] as torchvision does; raw values are not.
      const range: ValueRange = img.maxValue === 1 ? [0, 1] : undefined;
      if (draw.brightness !== 1) img = adjustBrightness(img, draw.brightness, range);
      if (draw.contrast !== 1) img = adjustContrast(img, draw.contrast, range);
    }
    if (o.channels === 3 && img.channels === 1) img = toChannels(img, 3);
    return this.normalizeStep(img);
  }

  private mapIntensity(img: RawImage): RawImage {
    const mode = this.options.intensity;
    if (typeof mode === 'object') return applyWindow(img, mode);
    if (mode === 'none') return img;
    if (mode === 'unit') return scaleToUnit(img);
    if (img.maxValue === 1) return img;
    return img.maxValue !== undefined ? scaleToUnit(img) : { ...minMax(img), maxValue: 1 };
  }

  private cropStep(img: RawImage, draw: AugmentDraw | undefined): RawImage {
    const [h, w] = toSize(this.options.crop as number | [number, number], 'ImagePipeline.crop');
    const a = this.options.augment;
    if (!draw || !a.randomCrop) return centerCrop(img, [h, w]);
    const pad = a.cropPadding;
    const spanH = img.height + 2 * pad - h;
    const spanW = img.width + 2 * pad - w;
    if (spanH < 0 || spanW < 0) {
      throw new Error(
        `ImagePipeline: random crop ${h}x${w} is larger than the ${img.height}x${img.width} image (add resize)`,
      );
    }
    const top = Math.floor(draw.cropY * (spanH + 1)) - pad;
    const left = Math.floor(draw.cropX * (spanW + 1)) - pad;
    return cropWithPadding(img, top, left, h, w);
  }

  private normalizeStep(img: RawImage): RawImage {
    const n = this.options.normalize;
    if (n === 'none') return img;
    if (n === 'z-score') return zScore(img);
    if (n === 'min-max') return minMax(img);
    if (n === 'imagenet') return normalizeMeanStd(img, IMAGENET_MEAN, IMAGENET_STD);
    return normalizeMeanStd(img, n.mean, n.std);
  }
}
