export { type BleuOptions, type BleuResult, corpusBleu } from './bleu.js';
export { type ChrfOptions, corpusChrf } from './chrf.js';
export { pythonSplit } from './python-split.js';
export {
  corpusRouge,
  lcsLength,
  type RougeOptions,
  type RougeScore,
  rougeL,
  rougeN,
  rougeScores,
  rougeTokenize,
} from './rouge.js';
export {
  bleuMetric,
  type CorpusScorer,
  chrfMetric,
  chrfPlusPlusMetric,
  createTextMetric,
  rougeMetric,
  rougeStemMetric,
  TEXT_METRICS,
  TextMetric,
} from './text-metric.js';
export { tokenize13a } from './tokenize-13a.js';
