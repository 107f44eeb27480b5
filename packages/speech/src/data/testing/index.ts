/** Test helpers for the readers: small corpora written to temporary folders. */
export { CV_HEADER, speakTones, TONE_PITCH, type ToneLocaleOptions, writeToneLocale } from './tone-speech.js';
export { writeMp3Clip, writeText, writeWavClip } from './write-clips.js';
