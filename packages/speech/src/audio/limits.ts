/** Default `maxSeconds`: longer than any utterance in Speech Commands or Common Voice. */
export const DEFAULT_MAX_SECONDS = 60;
/** Default `maxBytes`: a minute of 8-channel 96 kHz 32-bit WAV is ~180 MB; speech is far below. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** The rate Whisper, wav2vec2 and most speech models take. */
export const DEFAULT_TARGET_RATE = 16_000;

/** Size and length limits applied before an audio file is decoded. */
export interface AudioLimits {
  /** Files longer than this many seconds are refused (`Infinity` disables the check). */
  readonly maxSeconds?: number | undefined;
  /** Files larger than this many bytes are refused before they are read. */
  readonly maxBytes?: number | undefined;
}

/** The limits with defaults filled in, validated. */
export function resolveLimits(limits: AudioLimits): { maxSeconds: number; maxBytes: number } {
  const maxSeconds = limits.maxSeconds ?? DEFAULT_MAX_SECONDS;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(maxSeconds > 0)) throw new Error(`maxSeconds must be positive, got ${maxSeconds}`);
  if (!(maxBytes > 0)) throw new Error(`maxBytes must be positive, got ${maxBytes}`);
  return { maxSeconds, maxBytes };
}

/** `3.2 s` / `1.05 MB` for messages. */
export function formatSeconds(s: number): string {
  return `${s >= 10 ? s.toFixed(0) : s.toFixed(2)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
