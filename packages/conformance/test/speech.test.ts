import { defineMatrixSuite } from './matrix-suite.js';

// speech: the Whisper encoder, wav2vec2, HuBERT and the conv-transformer, every method.
await defineMatrixSuite(['whisper', 'wav2vec2', 'hubert', 'speech/conv-transformer']);
