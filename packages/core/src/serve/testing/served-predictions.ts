import { expect } from 'vitest';

/** One classification answer of `peftkit predict --json` or of the server's `/v1/predict`. */
export interface ServedPrediction<I = unknown> {
  readonly input: I;
  readonly adapter?: string;
  readonly label: string;
  readonly probabilities: Record<string, number>;
}

/**
 * `got` gives the labels of `want`, in order, and each of its probabilities to 5 decimals (two
 * processes on one backend agree to float32 round-off, not bit for bit). Inputs are not compared:
 * a served upload is named by its file, a CLI prediction by its path.
 */
export function expectSamePredictions(
  got: readonly ServedPrediction[],
  want: readonly ServedPrediction[],
): void {
  expect(got.map((p) => p.label)).toEqual(want.map((p) => p.label));
  for (const [i, p] of got.entries()) {
    for (const [label, prob] of Object.entries(want[i]?.probabilities ?? {})) {
      expect(p.probabilities[label]).toBeCloseTo(prob, 5);
    }
  }
}
