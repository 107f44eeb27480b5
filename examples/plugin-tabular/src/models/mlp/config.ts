import { z } from '@peftkit/core';

/**
 * MLP hyper-parameters, named as `config.json` holds them (HF style: snake_case, BERT's names
 * where they mean the same, plus `model_type`), so `model.config` and the file are one shape.
 * `in_features` usually comes from the data (the preprocessor's hint).
 */
const shape = {
  model_type: z.literal('tabular-mlp').default('tabular-mlp'),
  in_features: z.number().int().positive(),
  hidden_size: z.number().int().positive().default(32),
  intermediate_size: z.number().int().positive().default(64),
  num_hidden_layers: z.number().int().positive().default(2),
  hidden_dropout_prob: z.number().min(0).lt(1).default(0),
};

/** `model.config` of a run: strict, so a misspelt key is an error. */
export const mlpConfig = z.strictObject(shape);

/** `config.json`: other keys (`architectures`) are dropped. */
export const mlpFileConfig = z.object(shape);

export type MlpConfig = z.output<typeof mlpConfig>;
