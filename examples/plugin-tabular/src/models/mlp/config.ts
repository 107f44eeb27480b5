import { z } from '@peftkit/core';

/** MLP hyper-parameters; `inFeatures` usually comes from the data (the preprocessor's hint). */
export const mlpConfig = z.strictObject({
  inFeatures: z.number().int().positive(),
  hidden: z.number().int().positive().default(32),
  ffn: z.number().int().positive().default(64),
  layers: z.number().int().positive().default(2),
  dropout: z.number().min(0).lt(1).default(0),
});

export type MlpConfig = z.output<typeof mlpConfig>;

/** `config.json` keys, HF style (snake_case plus `model_type`). */
export function toFileConfig(c: MlpConfig): Record<string, unknown> {
  return {
    model_type: 'tabular-mlp',
    in_features: c.inFeatures,
    hidden_size: c.hidden,
    intermediate_size: c.ffn,
    num_hidden_layers: c.layers,
    hidden_dropout_prob: c.dropout,
  };
}

export function fromFileConfig(json: Record<string, unknown>): unknown {
  return {
    inFeatures: json['in_features'],
    hidden: json['hidden_size'],
    ffn: json['intermediate_size'],
    layers: json['num_hidden_layers'],
    dropout: json['hidden_dropout_prob'],
  };
}
