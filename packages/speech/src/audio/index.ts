/**
 * Audio in: decoding WAV (wavefile), MP3, FLAC, Ogg Vorbis and Ogg Opus (wasm decoders) to mono
 * float samples, header probes for limits before decoding, and a Kaiser windowed-sinc resampler.
 */
export { AudioError, type AudioErrorReason } from './audio-error.js';
export { type DecodeAudioOptions, type DecodedAudio, decodeAudio } from './decode-audio.js';
export { AUDIO_FORMATS, type AudioFormat, type SniffResult, sniffAudio } from './detect-format.js';
export type { AudioProbe } from './inspect.js';
export {
  type AudioLimits,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_SECONDS,
  DEFAULT_TARGET_RATE,
} from './limits.js';
export { type AudioFileProbe, probeAudioFile } from './probe-audio.js';
export {
  besselI0,
  RESAMPLE_PRESETS,
  type ResampleFilter,
  type ResampleQuality,
  resample,
} from './resample.js';
