import {
  Dropout,
  Linear,
  Module,
  type PromptAware,
  resetFill,
  resetNormal,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import {
  basePrefixOf,
  hiddenDropoutOf,
  hiddenSizeOf,
  runBackbone,
  type TextBackbone,
  type TextInputs,
  withVirtualTokens,
} from './backbone.js';

/** Token classification output: logits per token, and the word-start mask echoed for decoding. */
export type TokenClassifierOutput = {
  logits: tf.Tensor;
  wordStarts?: tf.Tensor;
};

/**
 * HF's `BertForTokenClassification` / `DistilBertForTokenClassification` /
 * `GPT2ForTokenClassification`: the base (`bert` / `distilbert` / `transformer`), `dropout` and
 * `classifier`. Output logits `[B, T, numLabels]`; the input's
 * `wordStarts` mask comes back with them so predictions can be reported one per word.
 */
export class TokenClassificationModel
  extends Module<[tf.Tensor, TextInputs?], TokenClassifierOutput>
  implements PromptAware<[tf.Tensor, TextInputs?]>
{
  readonly basePath: string;
  readonly headPaths: readonly string[] = ['classifier'];
  readonly numLabels: number;

  constructor(base: TextBackbone, options: { numLabels: number; dropout?: number }) {
    super();
    this.basePath = basePrefixOf(base);
    this.numLabels = options.numLabels;
    this.registerModule(this.basePath, base);
    this.registerModule('dropout', new Dropout(options.dropout ?? hiddenDropoutOf(base)));
    const c = this.registerModule('classifier', new Linear(hiddenSizeOf(base), options.numLabels));
    resetNormal(c.weight, base.config.initializer_range);
    if (c.bias) resetFill(c.bias, 0);
  }

  get base(): TextBackbone {
    return this.child<TextBackbone>(this.basePath);
  }

  withVirtualTokens(inputs: [tf.Tensor, TextInputs?], count: number): [tf.Tensor, TextInputs?] {
    return withVirtualTokens(inputs, count);
  }

  forward(inputIds: tf.Tensor, inputs: TextInputs = {}): TokenClassifierOutput {
    const { hidden } = runBackbone(this.base, inputIds, inputs);
    const logits = this.child<UnaryModule>('classifier').forward(
      this.child<UnaryModule>('dropout').forward(hidden),
    );
    return inputs.wordStarts ? { logits, wordStarts: tf.clone(inputs.wordStarts) } : { logits };
  }
}
