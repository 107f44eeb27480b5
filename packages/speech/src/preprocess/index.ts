/**
 * Preprocessors of the speech plugin: `speech/log-mel` (log-mel encoders), `speech/waveform`
 * (wav2vec2/HuBERT) and `speech/audio` (either, following the base checkpoint).
 */
export {
  AudioPreprocessor,
  type AudioPreprocessorOptions,
  audioPreprocessor,
  audioPreprocessorOptions,
} from './audio-preprocessor.js';
export { type SpeechDecodeOptions, speechDecodeShape } from './decode-options.js';
export {
  type LogMelOptions,
  LogMelPreprocessor,
  logMelOptions,
  logMelPreprocessor,
} from './log-mel-preprocessor.js';
export { collateTargets, type EncodedSpeech, type SpeechBatch } from './speech-batch.js';
export { SpeechPreprocessorBase, VOCABULARY_FILE } from './speech-preprocessor.js';
export {
  type EncodedTarget,
  SPEECH_TARGETS,
  type SpeechTarget,
  SpeechTargets,
  speechTargetSchema,
} from './speech-target.js';
export {
  type WaveformOptions,
  WaveformPreprocessor,
  waveformOptions,
  waveformPreprocessor,
} from './waveform-preprocessor.js';

import { audioPreprocessor } from './audio-preprocessor.js';
import { logMelPreprocessor } from './log-mel-preprocessor.js';
import { waveformPreprocessor } from './waveform-preprocessor.js';

/** Every preprocessor of the plugin, for `bind(Preprocessor)`. */
export const speechPreprocessors = [audioPreprocessor, logMelPreprocessor, waveformPreprocessor] as const;
