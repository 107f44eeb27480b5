/**
 * A feature sequence on the host: `numFrames` rows of `numFeatures` values, row-major (time-major,
 * `[T, F]`). This is the layout of Kaldi's and torchaudio's features and what tfjs' NWC `conv1d`
 * reads; Hugging Face's Whisper `input_features` are the transpose (`[F, T]`).
 */
export interface FeatureMatrix {
  readonly data: Float32Array;
  readonly numFrames: number;
  readonly numFeatures: number;
}

/** Wraps `data` as a `[numFrames, numFeatures]` matrix, checking the size. */
export function featureMatrix(data: Float32Array, numFrames: number, numFeatures: number): FeatureMatrix {
  if (data.length !== numFrames * numFeatures) {
    throw new Error(
      `featureMatrix: ${data.length} values cannot be ${numFrames} frames x ${numFeatures} features`,
    );
  }
  return { data, numFrames, numFeatures };
}

/** The `[numFeatures, numFrames]` (channels-first, HF Whisper `input_features`) copy of `m`. */
export function transposeFeatures(m: FeatureMatrix): Float32Array {
  const out = new Float32Array(m.data.length);
  for (let t = 0; t < m.numFrames; t++) {
    for (let f = 0; f < m.numFeatures; f++) out[f * m.numFrames + t] = m.data[t * m.numFeatures + f]!;
  }
  return out;
}
