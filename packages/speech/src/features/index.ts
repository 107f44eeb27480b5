/**
 * Speech features on the host (float64 inside, Float32Array out): Whisper log-mel, Kaldi fbank and
 * MFCC, wav2vec2 waveform normalisation, per-utterance CMVN, batch padding, HF
 * `preprocessor_config.json` reading, and training-time augmentation (SpecAugment, speed, noise).
 */
export * from './augment/index.js';
export { type CmvnOptions, utteranceCmvn } from './cmvn.js';
export { type FeatureMatrix, featureMatrix, transposeFeatures } from './feature-matrix.js';
export { ComplexFft, RealPowerSpectrum } from './fft.js';
export {
  fromHfPreprocessorConfig,
  type HfFeatureExtractor,
  wav2vec2ConfigFromHf,
  wav2vec2ConfigToHf,
  whisperConfigFromHf,
  whisperConfigToHf,
} from './hf-preprocessor-config.js';
export {
  type KaldiFbankConfig,
  type KaldiFbankInput,
  type KaldiMfccConfig,
  type KaldiMfccInput,
  kaldiFbankConfig,
  kaldiMfccConfig,
} from './kaldi-config.js';
export { type KaldiExtractOptions, KaldiFbank, kaldiFbank } from './kaldi-fbank.js';
export { dctMatrix, KaldiMfcc, kaldiMfcc, lifterWeights } from './kaldi-mfcc.js';
export {
  hzToKaldiMel,
  hzToSlaneyMel,
  type KaldiMelOptions,
  kaldiMelFilterBank,
  MelFilterBank,
  type SlaneyMelOptions,
  slaneyMelFilterBank,
  slaneyMelToHz,
} from './mel-filter-bank.js';
export { type PaddedBatch, type PadOptions, padFeatures, padWaveforms } from './pad-batch.js';
export {
  type Wav2Vec2FeatureConfig,
  type Wav2Vec2FeatureInput,
  wav2vec2FeatureConfig,
} from './wav2vec2-config.js';
export { normalizeWaveform, wav2vec2Input } from './wav2vec2-normalize.js';
export {
  type WhisperFeatureConfig,
  type WhisperFeatureInput,
  whisperChunkFrames,
  whisperChunkSamples,
  whisperFeatureConfig,
} from './whisper-config.js';
export {
  type WhisperExtractOptions,
  type WhisperFeatures,
  WhisperLogMel,
  whisperLogMel,
} from './whisper-log-mel.js';
export { hannWindow, KALDI_WINDOW_TYPES, type KaldiWindowType, kaldiWindow } from './windows.js';
