import { z } from 'zod';

/**
 * Options of the wav2vec2 / HuBERT raw-waveform front end, named after HF's
 * `Wav2Vec2FeatureExtractor` fields (`do_normalize` -> `doNormalize`, ...).
 */
export const wav2vec2FeatureConfig = z.strictObject({
  /** Values per time step: always 1 (raw samples). */
  featureSize: z.literal(1).default(1),
  samplingRate: z.number().int().positive().default(16000),
  /** Value of padded samples in a batch. */
  paddingValue: z.number().default(0),
  /** Zero-mean unit-variance normalisation per utterance (`(x - mean) / sqrt(var + 1e-7)`). */
  doNormalize: z.boolean().default(true),
  /**
   * Whether the model takes an attention mask. Checkpoints trained without one (wav2vec2-base)
   * expect zero-padded batches and no mask; a collator reads this field.
   */
  returnAttentionMask: z.boolean().default(false),
});

export type Wav2Vec2FeatureConfig = z.output<typeof wav2vec2FeatureConfig>;
export type Wav2Vec2FeatureInput = z.input<typeof wav2vec2FeatureConfig>;
