export {
  type BertNormalizerOptions,
  normalizeBert,
  resolveBertNormalizer,
  splitBertWords,
} from './basic-tokenizer.js';
export { Bpe, formatMerges, type Merge, parseMerges } from './bpe.js';
export { ByteLevelBpeTokenizer, type ByteLevelBpeTokenizerOptions } from './bpe-tokenizer.js';
export { bytePieces, joinWithByteFallback, pieceByte } from './byte-fallback.js';
export {
  BYTE_DECODER,
  BYTE_ENCODER,
  bytesToUnicode,
  GPT2_SPLIT_PATTERN,
  splitGpt2,
  unicodeToBytes,
} from './byte-level.js';
export {
  type BatchEncoding,
  type Encoding,
  type PaddingSide,
  type PaddingStrategy,
  padEncoding,
  stackEncodings,
  type TokenSpan,
  type TruncationStrategy,
  truncateSpans,
} from './encoding.js';
export { fitTokenizer, type TokenizerSource } from './fit-tokenizer.js';
export { type MarianSpecials, marianTokenizerJson } from './marian-spm.js';
export {
  METASPACE,
  type MetaspaceOptions,
  metaspaceDecode,
  metaspaceFromJson,
  metaspaceWords,
  type PrependScheme,
} from './metaspace.js';
export { type MlmMaskingOptions, maskTokens } from './mlm-masking.js';
export {
  applyPostTemplate,
  type PostTemplate,
  postTemplateFromJson,
  postTemplateToJson,
  type TemplatePiece,
  templateSpecialCount,
} from './post-template.js';
export {
  readSentencePieceModel,
  type SentencePieceModel,
  type SentencePieceType,
} from './sentencepiece-model.js';
export {
  type SentencePiecePreTokenizer,
  SentencePieceTokenizer,
  type SentencePieceTokenizerOptions,
} from './sentencepiece-tokenizer.js';
export {
  type EncodedPair,
  resolveSourcePrefix,
  Seq2SeqPreprocessor,
  type Seq2SeqPreprocessorOptions,
  seq2seqPreprocessor,
  seq2seqPreprocessorOptions,
} from './seq2seq-preprocessor.js';
export { SentencePieceBpe, type SentencePieceBpeOptions } from './sp-bpe.js';
export { type PieceDecoder, pieceDecoderFromJson } from './sp-decoder.js';
export { nmtNfkc, normalizerFromJson, type TextNormalizer } from './sp-normalizer.js';
export {
  BERT_SPECIAL_TOKENS,
  GPT2_SPECIAL_TOKENS,
  SPECIAL_TOKEN_ROLES,
  type SpecialTokenRole,
  type SpecialTokens,
  splitAddedTokens,
} from './special-tokens.js';
export { isTextBatch, type TextBatch } from './text-batch.js';
export {
  type EncodedText,
  OBJECTIVES,
  TextPreprocessor,
  type TextPreprocessorOptions,
  textPreprocessor,
  textPreprocessorOptions,
} from './text-preprocessor.js';
export {
  type BatchInput,
  type EncodeOptions,
  plainEncoding,
  type SegmentStart,
  type TextInput,
  TextTokenizer,
  type TokenizerCommonOptions,
} from './tokenizer.js';
export { readTokenizerConfig, type TokenizerConfigFields } from './tokenizer-config.js';
export {
  copyMarianFiles,
  loadMarianTokenizer,
  loadTokenizer,
  MARIAN_FILES,
  marianTargetTokenizer,
  saveTokenizer,
  TOKENIZER_FILES,
  type TokenizerState,
  tokenizerConfigJson,
  tokenizerFromState,
  tokenizerState,
} from './tokenizer-files.js';
export { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';
export { isCjk, isControl, isPunctuation, isWhitespace, stripAccents } from './unicode.js';
export { Unigram, type UnigramOptions, type UnigramPiece } from './unigram.js';
export { Vocab } from './vocab.js';
export { createWordNormalizer, type WordNormalizer, type WordNormalizerOptions } from './word-normalizer.js';
export { WordPiece, type WordPieceOptions } from './wordpiece.js';
export {
  cleanUpTokenization,
  WordPieceTokenizer,
  type WordPieceTokenizerOptions,
} from './wordpiece-tokenizer.js';
export { trainWordPiece, type WordPieceTrainerOptions } from './wordpiece-trainer.js';
