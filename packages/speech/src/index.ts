/**
 * @peftkit/speech: the audio plugin. Audio decoding (WAV, MP3, FLAC, Ogg) and resampling, dataset
 * readers (Speech Commands folders, CSV/TSV manifests, Common Voice), features (Whisper log-mel, Kaldi fbank/MFCC, wav2vec2
 * waveform normalisation, CMVN, SpecAugment, speed/noise augmentation), CTC and utterance heads,
 * CER/WER metrics, the `speech/log-mel` and `speech/waveform` preprocessors.
 */
export * from './audio/index.js';
export * from './data/index.js';
export * from './features/index.js';
export * from './heads/index.js';
export * from './inference/index.js';
export * from './metrics/index.js';
export * from './models/index.js';
export * from './preprocess/index.js';
export * from './presets/index.js';
