import { UserError } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import {
  fromHfPreprocessorConfig,
  wav2vec2ConfigFromHf,
  wav2vec2ConfigToHf,
  whisperConfigFromHf,
  whisperConfigToHf,
} from './hf-preprocessor-config.js';
import { WhisperLogMel } from './whisper-log-mel.js';

// The fields of openai/whisper-large-v3's preprocessor_config.json.
const whisperLargeV3 = {
  chunk_length: 30,
  feature_extractor_type: 'WhisperFeatureExtractor',
  feature_size: 128,
  hop_length: 160,
  n_fft: 400,
  n_samples: 480000,
  nb_max_frames: 3000,
  padding_side: 'right',
  padding_value: 0.0,
  processor_class: 'WhisperProcessor',
  return_attention_mask: false,
  sampling_rate: 16000,
};

// The fields of facebook/wav2vec2-base-960h's preprocessor_config.json.
const wav2vec2Base = {
  do_normalize: true,
  feature_extractor_type: 'Wav2Vec2FeatureExtractor',
  feature_size: 1,
  padding_side: 'right',
  padding_value: 0.0,
  return_attention_mask: false,
  sampling_rate: 16000,
};

describe('fromHfPreprocessorConfig', () => {
  it('reads a Whisper large-v3 config (128 mel bins, 30 s chunks)', () => {
    const hf = fromHfPreprocessorConfig(whisperLargeV3);
    expect(hf.type).toBe('WhisperFeatureExtractor');
    if (hf.type !== 'WhisperFeatureExtractor') return;
    expect(hf.config).toEqual({
      featureSize: 128,
      samplingRate: 16000,
      nFft: 400,
      hopLength: 160,
      chunkLength: 30,
      paddingValue: 0,
      dither: 0,
      padToChunk: true,
    });
    const { features } = new WhisperLogMel(hf.config).extract(new Float32Array(1600));
    expect([features.numFrames, features.numFeatures]).toEqual([3000, 128]);
  });

  it('accepts a legacy mel_filters array of the right shape (recomputed, as HF does)', () => {
    const melFilters = Array.from({ length: 201 }, () => new Array<number>(80).fill(0));
    const config = whisperConfigFromHf({ ...whisperLargeV3, feature_size: 80, mel_filters: melFilters });
    expect(config.featureSize).toBe(80);
    expect(() => whisperConfigFromHf({ ...whisperLargeV3, mel_filters: melFilters })).toThrow(
      /mel_filters must be 201 rows of 128 weights/,
    );
  });

  it('reads a wav2vec2 config', () => {
    const hf = fromHfPreprocessorConfig(wav2vec2Base);
    expect(hf).toEqual({
      type: 'Wav2Vec2FeatureExtractor',
      config: {
        featureSize: 1,
        samplingRate: 16000,
        paddingValue: 0,
        doNormalize: true,
        returnAttentionMask: false,
      },
    });
  });

  it('names unsupported fields', () => {
    expect(() =>
      fromHfPreprocessorConfig({ ...whisperLargeV3, spectrogram_type: 'x', top_db: 80 }, 'w/pc.json'),
    ).toThrow(/^w\/pc\.json: unsupported fields spectrogram_type, top_db \(supported: /);
    expect(() => wav2vec2ConfigFromHf({ ...wav2vec2Base, num_mel_bins: 80 })).toThrow(
      /unsupported field num_mel_bins/,
    );
  });

  it('names bad values in snake_case and inconsistent derived fields', () => {
    expect(() => whisperConfigFromHf({ ...whisperLargeV3, n_fft: 401 })).toThrow(/n_fft: must be even/);
    expect(() => whisperConfigFromHf({ ...whisperLargeV3, n_samples: 240000 })).toThrow(
      /n_samples is 240000 but chunk_length, sampling_rate and hop_length give 480000/,
    );
    expect(() => whisperConfigFromHf({ ...whisperLargeV3, padding_side: 'left' })).toThrow(
      /padding_side "left"/,
    );
    expect(() => wav2vec2ConfigFromHf({ ...wav2vec2Base, feature_size: 2 })).toThrow(/feature_size/);
  });

  it('refuses other or missing extractor types with a UserError', () => {
    expect(() => fromHfPreprocessorConfig({ feature_extractor_type: 'ASTFeatureExtractor' })).toThrow(
      UserError,
    );
    expect(() => fromHfPreprocessorConfig({})).toThrow(/feature_extractor_type undefined is not supported/);
    expect(() => whisperConfigFromHf(wav2vec2Base)).toThrow(/expected "WhisperFeatureExtractor"/);
    expect(() => fromHfPreprocessorConfig([1])).toThrow(/expected a JSON object/);
  });

  it('round-trips through the HF JSON', () => {
    const whisper = whisperConfigFromHf(whisperLargeV3);
    expect(whisperConfigFromHf(whisperConfigToHf(whisper))).toEqual(whisper);
    const { processor_class: _processorClass, ...written } = whisperLargeV3;
    expect(whisperConfigToHf(whisper)).toEqual({ ...written, dither: 0 });
    const w2v = wav2vec2ConfigFromHf(wav2vec2Base);
    expect(wav2vec2ConfigToHf(w2v)).toEqual(wav2vec2Base);
  });
});
