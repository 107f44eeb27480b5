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
import { BertModel } from '../bert/model.js';
import { DistilBertModel } from '../distilbert/model.js';
import { Gpt2Model } from '../gpt2/model.js';
import {
  basePrefixOf,
  hiddenDropoutOf,
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
  /**
   * Default: `cls` for BERT (the pooler, or the first token without one) and DistilBERT (the
   * first token), `last` for GPT-2.
   */
  pooling?: Pooling;
  /** Dropout before the classifier (default as HF: BERT's hidden dropout, DistilBERT's `seq_classif_dropout`, none for GPT-2). */
  dropout?: number;
}

/**
 * HF's `BertForSequenceClassification` (`bert`, `dropout`, `classifier`),
 * `DistilBertForSequenceClassification` (`distilbert`, `pre_classifier` + ReLU, `dropout`,
 * `classifier`) and `GPT2ForSequenceClassification` (`transformer`, `score` without bias) in one
 * class: the child names follow the family so HF adapters and checkpoints of these classes load
 * unchanged. Output: logits `[B, numLabels]`.
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
  /** The head's own modules, HF-named (trained whole, reused from a task checkpoint). */
  readonly headPaths: readonly string[];
  /** The last layer, producing the logits (`classifier` or `score`). */
  readonly outputPath: string;
  readonly pooling: Pooling;
  readonly numLabels: number;
  /** DistilBERT's `pre_classifier` (dim -> dim, ReLU) between pooling and dropout. */
  private readonly preClassifier: boolean;

  constructor(base: TextBackbone, options: SequenceClassifierOptions) {
    super();
    const gpt2 = base instanceof Gpt2Model;
    this.basePath = basePrefixOf(base);
    this.pooling = options.pooling ?? (gpt2 ? 'last' : 'cls');
    this.numLabels = options.numLabels;
    this.registerModule(this.basePath, base);
    const h = hiddenSizeOf(base);
    const std = base.config.initializer_range;
    const linear = (name: string, out: number, bias = true) => {
      const l = this.registerModule(name, new Linear(h, out, { bias }));
      resetNormal(l.weight, std);
      if (l.bias) resetFill(l.bias, 0);
    };
    this.preClassifier = base instanceof DistilBertModel;
    if (base instanceof DistilBertModel) linear('pre_classifier', h);
    // HF: GPT-2 has no dropout before `score`, DistilBERT its own `seq_classif_dropout`.
    const dropout = gpt2
      ? 0
      : base instanceof DistilBertModel
        ? base.config.seq_classif_dropout
        : hiddenDropoutOf(base);
    this.registerModule('dropout', new Dropout(options.dropout ?? dropout));
    this.outputPath = gpt2 ? 'score' : 'classifier';
    linear(this.outputPath, options.numLabels, !gpt2);
    this.headPaths = this.preClassifier ? ['pre_classifier', this.outputPath] : [this.outputPath];
  }

  get base(): TextBackbone {
    return this.child<TextBackbone>(this.basePath);
  }

  /**
   * Why HF's `<Family>ForSequenceClassification` would compute something else from these weights
   * (it pools BERT through its pooler, DistilBERT by the first token, GPT-2 by the last), or
   * undefined when it computes the same.
   */
  hfIncompatibility(): string | undefined {
    const base = this.base;
    const hfPooling: Pooling = base instanceof Gpt2Model ? 'last' : 'cls';
    if (this.pooling !== hfPooling) return `pooling '${this.pooling}'; HF pools by '${hfPooling}'`;
    if (base instanceof BertModel && !base.hasPooler)
      return 'the BERT base has no pooler; HF pools through one';
    return undefined;
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
    if (this.preClassifier) v = tf.relu(this.child<UnaryModule>('pre_classifier').forward(v));
    const dropped = this.child<UnaryModule>('dropout').forward(v);
    return this.child<UnaryModule>(this.outputPath).forward(dropped);
  }
}
