/**
 * The `speech/conv-transformer` the speech presets build when no `--base` is given: 40 fbank
 * bins, d=144, 4 layers (the architecture's defaults), a size that trains on two CPU cores.
 */
export const SMALL_SPEECH_ENCODER = {
  num_mel_bins: 40,
  d_model: 144,
  encoder_layers: 4,
  encoder_attention_heads: 4,
  encoder_ffn_dim: 576,
} as const;

/** Front-end options shared by the presets: 40 Kaldi fbank bins, per-utterance CMVN, fast resampling. */
export const PRESET_FRONT_END = { numMelBins: 40, features: 'fbank', resample: 'fast' } as const;
