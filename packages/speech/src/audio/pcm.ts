/** Decoded audio before resampling: the channel average (mono) at the file's own rate. */
export interface MonoPcm {
  readonly samples: Float32Array;
  /** Channels in the file (averaged into `samples`). */
  readonly channels: number;
  readonly sampleRate: number;
}

/**
 * Adds the average of `channels` (equal lengths) into `out` at `offset`. Decoders mix each
 * decoded chunk at once, so a stereo file never holds both channels in full.
 */
export function mixInto(
  out: Float32Array,
  offset: number,
  channels: readonly Float32Array[],
  frames: number,
): void {
  const k = 1 / channels.length;
  for (const ch of channels) {
    for (let i = 0; i < frames; i++) out[offset + i] = (out[offset + i] as number) + (ch[i] as number) * k;
  }
}
