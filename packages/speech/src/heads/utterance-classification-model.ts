import { type AnyModule, Module, type UnaryModule } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { encoderFrames } from './encoder-output.js';
import { hfLinear } from './init-linear.js';
import { AttentiveStatisticsPooling, maskedMeanPool } from './pooling.js';

/** How frames become one vector: HF's masked mean, or attentive statistics (weighted mean + std). */
export const UTTERANCE_POOLINGS = ['mean', 'attentive'] as const;
export type UtterancePooling = (typeof UTTERANCE_POOLINGS)[number];

export interface UtteranceClassificationModelOptions {
  /** HF's child name of the base (`wav2vec2`, `encoder` for Whisper, ...). */
  readonly basePath: string;
  readonly features: number;
  readonly numLabels: number;
  /** Width of `projector` (HF `classifier_proj_size`, default 256). */
  readonly projectorSize: number;
  readonly pooling: UtterancePooling;
  /** Hidden width of the attentive pooler's scoring network. */
  readonly attentionSize: number;
  readonly initializerRange: number;
}

/**
 * HF's `Wav2Vec2ForSequenceClassification` / `WhisperForAudioClassification` around any speech
 * base: `projector` on every frame (features -> projectorSize), pooling over the valid frames,
 * `classifier` (-> numLabels). With `attentive` pooling a `pooler` (`attention`, `score`) sits
 * between them and the classifier reads `[mean, std]` (2 x projectorSize). Output: logits `[B, numLabels]`.
 */
export class UtteranceClassificationModel extends Module<unknown[], tf.Tensor> {
  readonly basePath: string;
  readonly headPaths: readonly string[];
  readonly pooling: UtterancePooling;

  constructor(base: AnyModule, o: UtteranceClassificationModelOptions) {
    super();
    this.basePath = o.basePath;
    this.pooling = o.pooling;
    this.registerModule(o.basePath, base);
    this.registerModule('projector', hfLinear(o.features, o.projectorSize, o.initializerRange));
    const attentive = o.pooling === 'attentive';
    if (attentive) {
      this.registerModule(
        'pooler',
        new AttentiveStatisticsPooling(o.projectorSize, o.attentionSize, o.initializerRange),
      );
    }
    const pooled = attentive ? 2 * o.projectorSize : o.projectorSize;
    this.registerModule('classifier', hfLinear(pooled, o.numLabels, o.initializerRange));
    this.headPaths = attentive ? ['projector', 'pooler', 'classifier'] : ['projector', 'classifier'];
  }

  forward(...inputs: unknown[]): tf.Tensor {
    const frames = encoderFrames(
      this.child(this.basePath).forward(...inputs),
      'speech/utterance-classification',
    );
    const projected = this.child<UnaryModule>('projector').forward(frames.hidden);
    const pooled =
      this.pooling === 'attentive'
        ? this.child<AttentiveStatisticsPooling>('pooler').forward(projected, frames.mask)
        : maskedMeanPool(projected, frames.mask);
    return this.child<UnaryModule>('classifier').forward(pooled);
  }
}
