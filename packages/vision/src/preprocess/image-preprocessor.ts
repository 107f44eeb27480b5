import {
  type AnyDataset,
  type EncodeContext,
  type InputLimits,
  isMapDataset,
  type JsonValue,
  type Preprocessor,
  type PreprocessorInstance,
  z,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import {
  DICOM_MEDIA_TYPE,
  IMAGE_MEDIA_TYPES,
  type ImageExample,
  sourceForPath,
  sourceName,
} from '../data/image-example.js';
import { loadImage } from '../data/load-source.js';
import { classWeightsFromCounts, posWeightsFromRows } from '../heads/class-balance.js';
import { ConcurrencyLimit } from './concurrency.js';
import { type AugmentDraw, ImagePipeline } from './pipeline.js';
import { imagePipelineOptions } from './pipeline-options.js';
import type { RawImage } from './raw-image.js';
import { toBatchTensor } from './to-tensor.js';
import type { VisionBatch } from './vision-batch.js';

export const imagePreprocessorOptions = imagePipelineOptions.extend({
  /** Images decoded at once (sharp runs them on its thread pool). */
  concurrency: z.number().int().positive().default(4),
  /** Drop images that fail to decode from their batch (counted, reported) instead of failing. */
  skipCorrupt: z.boolean().default(false),
  /** Class imbalance: `weights` weights each example by its class's inverse frequency (fitted on the training data). */
  balance: z.enum(['none', 'weights']).default('none'),
  /** DICOM windowing: the file's Window Center/Width (`auto`), or rescaled values (`none`). */
  dicomWindow: z.enum(['auto', 'none']).default('auto'),
});

export type ImagePreprocessorOptions = z.output<typeof imagePreprocessorOptions>;

/** One encoded example, or a skipped one. */
export type EncodedImage =
  | { readonly image: RawImage; readonly label: number | readonly number[] | undefined }
  | { readonly skipped: string; readonly reason: string };

interface State {
  classWeights?: number[];
  posWeight?: number[];
}

async function* examplesOf(ds: AnyDataset<ImageExample>): AsyncGenerator<ImageExample> {
  if (isMapDataset(ds)) for (let i = 0; i < ds.length; i++) yield await ds.get(i);
  else yield* ds;
}

/**
 * The `vision/image` preprocessor instance: decodes each example (files with sharp, DICOM,
 * in-memory pixels) with bounded concurrency, runs the `ImagePipeline` (augmenting only in
 * training, with the batch's seeded generator, drawn before decoding so results do not depend
 * on decode timing), and collates NHWC batches with class ids or multi-hot targets.
 */
export class ImagePreprocessor implements PreprocessorInstance<ImageExample, EncodedImage, VisionBatch> {
  readonly pipeline: ImagePipeline;
  private readonly limit: ConcurrencyLimit;
  private state: State = {};
  /** Files dropped by `skipCorrupt`, with the reason (cumulative). */
  readonly skipped = new Map<string, string>();

  constructor(
    readonly options: ImagePreprocessorOptions,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    /** The run's input limits (`PreprocessorContext.limits`); default `DEFAULT_INPUT_LIMITS`. */
    private readonly limits?: InputLimits,
  ) {
    const { concurrency, skipCorrupt, balance, dicomWindow, ...pipeline } = options;
    this.pipeline = new ImagePipeline(pipeline);
    this.limit = new ConcurrencyLimit(concurrency);
  }

  /** `balance: 'weights'` corrects imbalance in the loss: `data.sampling: auto` then keeps shuffling. */
  balancesClasses(): boolean {
    return this.options.balance !== 'none';
  }

  /** With `balance: 'weights'`, counts classes (or per-label positives) in the training data. */
  async fit(train: AnyDataset<ImageExample>): Promise<void> {
    if (this.options.balance === 'none') return;
    const counts: number[] = [];
    const rows: number[][] = [];
    for await (const e of examplesOf(train)) {
      if (typeof e.label === 'number') counts[e.label] = (counts[e.label] ?? 0) + 1;
      else if (e.label) rows.push([...e.label]);
    }
    this.state = rows.length
      ? { posWeight: posWeightsFromRows(rows) }
      : { classWeights: classWeightsFromCounts(Array.from(counts, (c) => c ?? 0)) };
  }

  async encode(example: ImageExample, context: EncodeContext): Promise<EncodedImage> {
    // Draw first, synchronously: the order of draws is the order of examples.
    const draw: AugmentDraw | undefined =
      context.training && this.pipeline.augments ? this.pipeline.draw(context.rng) : undefined;
    let raw: RawImage;
    try {
      raw = await this.limit.run(() =>
        loadImage(example.source, { dicom: { window: this.options.dicomWindow }, limits: this.limits }),
      );
    } catch (err) {
      if (!this.options.skipCorrupt) throw err;
      const name = sourceName(example.source);
      const reason = err instanceof Error ? err.message : String(err);
      if (!this.skipped.has(name))
        this.log(`warning: skipped corrupt image (${this.skipped.size + 1} so far): ${reason}`);
      this.skipped.set(name, reason);
      return { skipped: name, reason };
    }
    return { image: this.pipeline.apply(raw, draw), label: example.label };
  }

  collate(encoded: EncodedImage[]): VisionBatch {
    const ok = encoded.filter((e): e is Extract<EncodedImage, { image: RawImage }> => 'image' in e);
    if (!ok.length) throw new Error(`every image of this batch failed to decode (${encoded.length} skipped)`);
    const labelled = ok.every((e) => e.label !== undefined);
    const multi = labelled && typeof ok[0]?.label !== 'number';
    let targets: tf.Tensor | undefined;
    if (labelled && multi) {
      targets = tf.tensor2d(
        ok.map((e) => [...(e.label as readonly number[])]),
        undefined,
        'float32',
      );
    } else if (labelled) {
      targets = tf.tensor1d(
        ok.map((e) => e.label as number),
        'int32',
      );
    }
    return {
      inputs: [toBatchTensor(ok.map((e) => e.image))],
      ...(targets ? { targets } : {}),
      ...(labelled && !multi && this.state.classWeights ? { classWeights: this.state.classWeights } : {}),
      ...(multi && this.state.posWeight ? { posWeight: this.state.posWeight } : {}),
      size: ok.length,
    };
  }

  /** A file path (image or DICOM) from `peftkit predict`. */
  parseInput(input: string): ImageExample {
    return { source: sourceForPath(input) };
  }

  /** What `parseBytes` takes: sharp's formats and DICOM. */
  readonly mediaTypes = IMAGE_MEDIA_TYPES;

  /**
   * An uploaded image or DICOM file (`peftkit serve`), decoded now by the decoder a file of the
   * same bytes goes through (`loadImage`, same options and limits), so a bad upload fails here
   * with the decoder's message and gives the tensors its file gives.
   */
  async parseBytes(bytes: Uint8Array, mediaType: string, name: string): Promise<ImageExample> {
    const source = { kind: 'bytes', bytes, name, dicom: mediaType === DICOM_MEDIA_TYPE } as const;
    const image = await loadImage(source, {
      dicom: { window: this.options.dicomWindow },
      limits: this.limits,
    });
    return { source: { kind: 'pixels', image, name } };
  }

  /** `num_channels` and `image_size` (HF config names) when the options fix them. */
  modelConfig(): Readonly<Record<string, unknown>> {
    const [h, w, c] = this.pipeline.outputShape();
    return {
      ...(c !== undefined ? { num_channels: c } : {}),
      ...(h !== undefined && w !== undefined ? { image_size: h === w ? h : [h, w] } : {}),
    };
  }

  saveState(): JsonValue {
    return {
      ...(this.state.classWeights ? { classWeights: this.state.classWeights } : {}),
      ...(this.state.posWeight ? { posWeight: this.state.posWeight } : {}),
    };
  }

  loadState(state: JsonValue): void {
    const s = (state ?? {}) as State;
    const nums = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
    if (
      (s.classWeights !== undefined && !nums(s.classWeights)) ||
      (s.posWeight !== undefined && !nums(s.posWeight))
    ) {
      throw new Error('vision/image: malformed saved state');
    }
    this.state = {
      ...(s.classWeights ? { classWeights: [...s.classWeights] } : {}),
      ...(s.posWeight ? { posWeight: [...s.posWeight] } : {}),
    };
  }
}

/** `vision/image`: decoding, resizing, cropping, augmentation, intensity mapping and normalisation. */
export const imagePreprocessor: Preprocessor<
  ImageExample,
  EncodedImage,
  VisionBatch,
  ImagePreprocessorOptions
> = {
  id: 'vision/image',
  description:
    'decode (PNG/JPEG/WebP/TIFF 8/16-bit, DICOM, arrays), resize/crop, train-time augmentation, normalise',
  optionsSchema: imagePreprocessorOptions,
  create: (options, context) => new ImagePreprocessor(options, undefined, context.limits),
};
