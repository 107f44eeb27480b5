export { type CtcHeadConfig, ctcHead, ctcHeadConfig, ctcVocabulary, greedyTranscripts } from './ctc-head.js';
export { type CtcOutput, SpeechCtcModel, type SpeechCtcModelOptions } from './ctc-model.js';
export { CTC_TARGET_PAD, padCtcTargets, unpadCtcTargets } from './ctc-targets.js';
export {
  buildCharVocabulary,
  type CtcTokens,
  CtcVocabulary,
  DEFAULT_CTC_TOKENS,
  readHfVocabulary,
  vocabularyFromHfJson,
} from './ctc-vocabulary.js';
export {
  basePrefixOf,
  type EncoderFrames,
  type EncoderOutputLike,
  encoderFrames,
  frameLengths,
} from './encoder-output.js';
export { AttentiveStatisticsPooling, maskedMeanPool } from './pooling.js';
export {
  type UtteranceClassificationHeadConfig,
  utteranceClassificationHead,
  utteranceClassificationHeadConfig,
} from './utterance-classification-head.js';
export {
  UTTERANCE_POOLINGS,
  UtteranceClassificationModel,
  type UtteranceClassificationModelOptions,
  type UtterancePooling,
} from './utterance-classification-model.js';
