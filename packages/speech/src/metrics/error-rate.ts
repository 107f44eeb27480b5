import {
  editDistance,
  isRows,
  type Metric,
  type MetricContribution,
  type MetricInput,
  type MetricTargets,
  type Numbers,
} from '@peftkit/core';
import { codesToText } from './text-codes.js';

/** What an error rate counts: characters (code points, spaces included) or words. */
export type ErrorRateUnit = 'char' | 'word';

/** The units of one text: its code points, or its whitespace-separated words. */
export function unitsOf(text: string, unit: ErrorRateUnit): string[] {
  if (unit === 'char') return Array.from(text);
  return text.split(/\s+/u).filter((w) => w.length > 0);
}

/** Edit distance between a hypothesis and a reference, and the reference's length, in `unit`s. */
export function textErrors(
  hypothesis: string,
  reference: string,
  unit: ErrorRateUnit,
): { edits: number; length: number } {
  const ref = unitsOf(reference, unit);
  return { edits: editDistance(unitsOf(hypothesis, unit), ref), length: ref.length };
}

/**
 * Corpus-level error rate over texts given as code-point rows (`textToCodes`): the edits
 * (substitutions + insertions + deletions) of every hypothesis against its reference, summed,
 * over the summed reference lengths, as `jiwer` / HF `evaluate`'s `cer` and `wer`. May exceed 1
 * (many insertions). An all-empty reference set divides by 1 instead of 0.
 */
export class ErrorRateMetric implements Metric {
  private edits = 0;
  private length = 0;
  private seen = 0;

  constructor(
    readonly name: string,
    private readonly unit: ErrorRateUnit,
  ) {}

  update(predictions: MetricInput, targets: MetricTargets): void {
    if (predictions.length !== targets.length) {
      throw new Error(`${this.name}.update: ${predictions.length} predictions for ${targets.length} targets`);
    }
    if (predictions.length === 0) return;
    if (!isRows(predictions) || !isRows(targets)) {
      throw new Error(
        `${this.name}.update: predictions and targets must be texts as rows of code points (one row per example), ` +
          'got one number per example; is the head producing transcripts?',
      );
    }
    for (let i = 0; i < predictions.length; i++) {
      const e = textErrors(
        codesToText(predictions[i] as Numbers),
        codesToText(targets[i] as Numbers),
        this.unit,
      );
      this.edits += e.edits;
      this.length += e.length;
    }
    this.seen += predictions.length;
  }

  compute(): number {
    if (this.seen === 0) throw new Error(`${this.name}.compute: no data; call update() first`);
    return this.edits / Math.max(this.length, 1);
  }

  reset(): void {
    this.edits = 0;
    this.length = 0;
    this.seen = 0;
  }
}

/** `cer`: character error rate of transcripts (spaces count as characters). */
export const cerMetric: MetricContribution = {
  id: 'cer',
  description: 'character error rate: character edits / reference characters, over the whole eval set',
  create: () => new ErrorRateMetric('cer', 'char'),
};

/** `wer`: word error rate of transcripts (words split on whitespace). */
export const werMetric: MetricContribution = {
  id: 'wer',
  description: 'word error rate: word edits / reference words, over the whole eval set',
  create: () => new ErrorRateMetric('wer', 'word'),
};
