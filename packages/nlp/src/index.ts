/**
 * @peftkit/nlp: the text plugin. Tokenizers (WordPiece, byte-level BPE, a WordPiece trainer, HF
 * tokenizer files), BERT, DistilBERT and GPT-2 with Hugging Face names and checkpoints, task models and heads
 * (sequence/token classification, regression, masked and causal LM with generation), text
 * readers, presets, and the plugin (`@peftkit/nlp/plugin`).
 */
export * from './data/index.js';
export * from './heads/index.js';
export * from './metrics/index.js';
export * from './models/index.js';
export { nlpPlugin } from './plugin.js';
export * from './preprocess/index.js';
export * from './presets/index.js';
