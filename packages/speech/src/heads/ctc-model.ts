import { type AnyModule, Dropout, Module, type UnaryModule } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { encoderFrames, frameLengths } from './encoder-output.js';
import { hfLinear } from './init-linear.js';

/** What the CTC model returns: per-frame logits and the valid frames of each example. */
export type CtcOutput = {
  /** `[B, T, V]` logits over the vocabulary. */
  readonly logits: tf.Tensor;
  /** int32 `[B]` valid frames (the encoder's output lengths). */
  readonly outputLengths: tf.Tensor;
};

export interface SpeechCtcModelOptions {
  /** HF's child name of the base (`wav2vec2`, `hubert`, ...). */
  readonly basePath: string;
  /** Width of the base's features. */
  readonly features: number;
  /** Output classes (the vocabulary size, blank included). */
  readonly vocabSize: number;
  /** Dropout on the features before `lm_head` (HF `final_dropout`). */
  readonly dropout: number;
  /** Std of the `lm_head` weight init (HF `initializer_range`). */
  readonly initializerRange: number;
}

/**
 * HF's `Wav2Vec2ForCTC` around any speech base: `<basePath>` (the encoder), `dropout`
 * (`final_dropout`) and `lm_head` (features -> vocabulary), so HF CTC checkpoints and adapters
 * keep their names. The forward passes its arguments through to the base unchanged.
 */
export class SpeechCtcModel extends Module<unknown[], CtcOutput> {
  readonly basePath: string;
  readonly headPaths: readonly string[] = ['lm_head'];

  constructor(base: AnyModule, o: SpeechCtcModelOptions) {
    super();
    this.basePath = o.basePath;
    this.registerModule(o.basePath, base);
    this.registerModule('dropout', new Dropout(o.dropout));
    this.registerModule('lm_head', hfLinear(o.features, o.vocabSize, o.initializerRange));
  }

  forward(...inputs: unknown[]): CtcOutput {
    const frames = encoderFrames(this.child(this.basePath).forward(...inputs), 'speech/ctc');
    const dropped = this.child<UnaryModule>('dropout').forward(frames.hidden);
    return {
      logits: this.child<UnaryModule>('lm_head').forward(dropped),
      outputLengths: frameLengths(frames),
    };
  }
}
