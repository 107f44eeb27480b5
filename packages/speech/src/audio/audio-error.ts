import { UserError } from '@peftkit/core';

/**
 * Why a file could not be turned into samples. `too-long` and `too-large` are limits the caller
 * set (readers may skip such files); the others are problems with the file itself.
 */
export type AudioErrorReason =
  | 'unreadable'
  | 'unsupported'
  | 'corrupt'
  | 'truncated'
  | 'empty'
  | 'too-long'
  | 'too-large';

/**
 * A one-line `UserError` about one audio file: `clips/a.mp3: truncated MP3: ...`. `reason` lets
 * callers tell limits (skippable) from broken files without parsing the message.
 *
 * @example
 * try { await decodeAudio(file, { maxSeconds: 30 }); }
 * catch (err) { if (err instanceof AudioError && err.reason === 'too-long') skip(file); else throw err; }
 */
export class AudioError extends UserError {
  override readonly name = 'AudioError';
  constructor(
    /** The file (or the name given for in-memory bytes). */
    readonly file: string,
    readonly reason: AudioErrorReason,
    /** What was wrong, without the file name. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, 2, options);
  }
}
