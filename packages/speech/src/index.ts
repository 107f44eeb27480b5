/**
 * @peftkit/speech: the audio plugin. Features (Whisper log-mel, Kaldi fbank/MFCC, wav2vec2
 * waveform normalisation, CMVN, SpecAugment, speed/noise augmentation), CTC and utterance heads,
 * CER/WER metrics.
 */
export * from './features/index.js';
export * from './heads/index.js';
export * from './metrics/index.js';
export * from './models/index.js';
