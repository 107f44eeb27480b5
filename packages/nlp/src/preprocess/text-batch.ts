import type { ModelBatch } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import type { TextInputs } from '../models/task/backbone.js';
import type { TextTokenizer } from './tokenizer.js';

/**
 * A batch of tokenised text as the nlp heads see it: `inputs` is `[inputIds, TextInputs]`
 * (what the task models' `forward` takes). It also carries the tokenizer and each row's
 * unpadded token ids, so heads can decode predictions and generate (class instances and host
 * arrays are not walked when core disposes the batch's tensors).
 */
export interface TextBatch extends ModelBatch {
  readonly inputs: readonly [tf.Tensor, TextInputs];
  readonly targets?: tf.Tensor | undefined;
  readonly size: number;
  readonly tokenizer: TextTokenizer;
  /** Token ids of each row without padding (before masked-LM corruption). */
  readonly rows: readonly (readonly number[])[];
}

/** True when `batch` came from the nlp preprocessor. */
export function isTextBatch(batch: ModelBatch): batch is TextBatch {
  return 'tokenizer' in batch && 'rows' in batch;
}
