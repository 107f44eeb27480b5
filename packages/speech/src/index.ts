/**
 * @peftkit/speech: the audio plugin. Features (Whisper log-mel, Kaldi fbank/MFCC, wav2vec2
 * waveform normalisation, CMVN, SpecAugment, speed/noise augmentation).
 */
export * from './features/index.js';
