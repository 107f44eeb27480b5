/** Test helpers for the readers: small corpora written to temporary folders. */
export { writeMp3Clip, writeText, writeWavClip } from './write-clips.js';
