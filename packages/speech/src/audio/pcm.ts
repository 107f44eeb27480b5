/** Decoded audio before resampling: the channel average (mono) at the file's own rate. */
export interface MonoPcm {
  readonly samples: Float32Array;
  /** Channels in the file (averaged into `samples`). */
  readonly channels: number;
  readonly sampleRate: number;
}
