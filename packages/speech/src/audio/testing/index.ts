/** Test helpers: WAV writers and generated tones (not part of the package's public API). */
export { encodeWav, extensibleFloatWav, riffChunk, tone, type WavDepth } from './wav-writer.js';
