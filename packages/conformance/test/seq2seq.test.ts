import { defineMatrixSuite } from './matrix-suite.js';

// nlp encoder-decoders: T5, BART and Marian bases, every method.
await defineMatrixSuite(['t5', 'bart', 'marian']);
