import { type AnyModule, Dropout, Linear, Module } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { type FlipTta, flipTta } from './tta.js';

export interface ImageClassifierOptions {
  /** Child name of the base (HF style: `vit`; default `base`). */
  basePath?: string;
  /** Child name of the classifier Linear (`classifier` as HF, `fc` as torchvision). */
  headPath?: string;
  /** Dropout on the features before the classifier (default 0). */
  dropout?: number;
  /** Flip test-time augmentation in eval mode (default `none`); training is never affected. */
  tta?: FlipTta;
}

/**
 * A base that outputs pooled features `[B, F]` with a Linear classifier on top, returning logits
 * `[B, numClasses]`. With `basePath: 'vit'` and `headPath: 'classifier'` its state dict is
 * exactly Hugging Face's `ViTForImageClassification`.
 *
 * @example
 * const clf = new ImageClassifier(new ViTModel(cfg), cfg.hidden_size, 2, { basePath: 'vit' });
 */
export class ImageClassifier extends Module<[tf.Tensor], tf.Tensor> {
  readonly basePath: string;
  readonly headPath: string;
  readonly numClasses: number;
  readonly tta: FlipTta;

  constructor(base: AnyModule, features: number, numClasses: number, options: ImageClassifierOptions = {}) {
    super();
    this.basePath = options.basePath ?? 'base';
    this.headPath = options.headPath ?? 'classifier';
    this.numClasses = numClasses;
    this.tta = options.tta ?? 'none';
    this.registerModule(this.basePath, base);
    this.registerModule('head_dropout', new Dropout(options.dropout ?? 0));
    this.registerModule(this.headPath, new Linear(features, numClasses));
  }

  get base(): AnyModule {
    return this.child(this.basePath);
  }

  /** Logits `[B, numClasses]`; in eval mode averaged over the `tta` flips. */
  forward(pixels: tf.Tensor): tf.Tensor {
    const once = (x: tf.Tensor) => {
      const features = this.child(this.basePath).call(x) as tf.Tensor;
      return this.child(this.headPath).call(this.child('head_dropout').call(features)) as tf.Tensor;
    };
    return this.training ? once(pixels) : flipTta(once, pixels, this.tta);
  }
}
