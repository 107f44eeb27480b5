import { Dropout, Linear, Module, type PromptAware, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { BertModel } from '../bert/model.js';
import { resetFill, resetNormal } from '../common/init-weights.js';
import {
  basePrefixOf,
  hiddenSizeOf,
  lastTokenIndex,
  meanPool,
  pickPositions,
  runBackbone,
  type TextBackbone,
  type TextInputs,
  withVirtualTokens,
} from './backbone.js';

/** How a sequence becomes one vector: BERT's pooled [CLS], the masked mean, or the last token. */
export const POOLINGS = ['cls', 'mean', 'last'] as const;
export type Pooling = (typeof POOLINGS)[number];

export interface SequenceClassifierOptions {
  /** Outputs: classes, or 1 for regression. */
  numLabels: number;
  /** Default: `cls` for BERT (the pooler, or the first token without one), `last` for GPT-2. */
  pooling?: Pooling;
  /** Dropout before the classifier (default: the base's hidden dropout, as HF). */
  dropout?: number;
}

/**
 * HF's `BertForSequenceClassification` (`bert`, `dropout`, `classifier`) and
 * `GPT2ForSequenceClassification` (`transformer`, `score` without bias) in one class: the child
 * names follow the family so HF adapters and checkpoints of these classes load unchanged.
 * Output: logits `[B, numLabels]`.
 *
 * @example
 * const clf = new SequenceClassificationModel(new BertModel(config), { numLabels: 2 });
 * const logits = clf.call(ids, { attentionMask });
 */
export class SequenceClassificationModel
  extends Module<[tf.Tensor, TextInputs?], tf.Tensor>
  implements PromptAware<[tf.Tensor, TextInputs?]>
{
  readonly basePath: string;
  readonly headPath: string;
  readonly pooling: Pooling;
  readonly numLabels: number;

  constructor(base: TextBackbone, options: SequenceClassifierOptions) {
    super();
    const bert = base instanceof BertModel;
    this.basePath = basePrefixOf(base);
    this.pooling = options.pooling ?? (bert ? 'cls' : 'last');
    this.numLabels = options.numLabels;
    this.registerModule(this.basePath, base);
    const h = hiddenSizeOf(base);
    const std = base.config.initializer_range;
    if (bert) {
      this.registerModule('dropout', new Dropout(options.dropout ?? base.config.hidden_dropout_prob));
      this.headPath = 'classifier';
      const c = this.registerModule('classifier', new Linear(h, options.numLabels));
      resetNormal(c.weight, std);
      if (c.bias) resetFill(c.bias, 0);
    } else {
      this.registerModule('dropout', new Dropout(options.dropout ?? 0));
      this.headPath = 'score';
      resetNormal(
        this.registerModule('score', new Linear(h, options.numLabels, { bias: false })).weight,
        std,
      );
    }
  }

  get base(): TextBackbone {
    return this.child<TextBackbone>(this.basePath);
  }

  withVirtualTokens(inputs: [tf.Tensor, TextInputs?], count: number): [tf.Tensor, TextInputs?] {
    return withVirtualTokens(inputs, count);
  }

  forward(inputIds: tf.Tensor, inputs: TextInputs = {}): tf.Tensor {
    const { hidden, pooled } = runBackbone(this.base, inputIds, inputs);
    const [b, t] = hidden.shape as [number, number, number];
    let v: tf.Tensor;
    if (this.pooling === 'mean') v = meanPool(hidden, inputs.attentionMask);
    else if (this.pooling === 'last') v = pickPositions(hidden, lastTokenIndex(inputs.attentionMask, b, t));
    else v = pooled ?? pickPositions(hidden, tf.zeros([b], 'int32'));
    const dropped = this.child<UnaryModule>('dropout').forward(v);
    return this.child<UnaryModule>(this.headPath).forward(dropped);
  }
}
