import { defineMatrixSuite } from './matrix-suite.js';

// nlp: BERT, DistilBERT and GPT-2 bases, every method.
await defineMatrixSuite(['bert', 'distilbert', 'gpt2']);
