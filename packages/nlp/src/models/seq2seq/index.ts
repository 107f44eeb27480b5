export { type AttentionProjections, type CachedAttentionCall, cachedAttention } from './cached-attention.js';
export {
  disposeSeq2SeqCache,
  reorderSeq2SeqCache,
  type Seq2SeqCache,
  seq2seqCacheLength,
} from './seq2seq-cache.js';
export type { Seq2SeqDecodeInputs, Seq2SeqLm, Seq2SeqTokenIds } from './seq2seq-lm.js';
export {
  SEQ2SEQ_IGNORE_INDEX,
  type Seq2SeqTrainable,
  seq2seqLmLoss,
  shiftTokensRight,
} from './seq2seq-loss.js';
export { SEQ2SEQ_METHODS, SEQ2SEQ_ROLES, stackPaths } from './seq2seq-roles.js';
