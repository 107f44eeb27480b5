import { evaluateRun, loadRun, type PeftkitHost } from '@peftkit/core';
import type { DomainSplit } from './sentence-data.js';

export interface DomainScores {
  /** Accuracy over every held-out sentence (each domain weighted by its test size). */
  readonly accuracy: number | null;
  /** Accuracy on each domain's held-out sentences. */
  readonly domains: Readonly<Record<string, number | null>>;
}

/**
 * Test accuracy of a finished run on each domain's held-out sentences: what
 * `peftkit eval --adapter <run> --data test-<domain>.jsonl` prints, with the run loaded once.
 */
export async function evaluateDomains(
  host: PeftkitHost,
  runDir: string,
  splits: readonly DomainSplit[],
): Promise<DomainScores> {
  const run = await loadRun(host, runDir);
  try {
    const domains: Record<string, number | null> = {};
    let correct = 0;
    let total = 0;
    for (const split of splits) {
      const { metrics, examples } = await evaluateRun(host, run, {
        data: split.testFile,
        metrics: ['accuracy'],
      });
      const accuracy = metrics['accuracy'];
      domains[split.domain] = accuracy ?? null;
      if (accuracy !== undefined && examples) {
        correct += accuracy * examples;
        total += examples;
      }
    }
    return { accuracy: total ? correct / total : null, domains };
  } finally {
    run.model.dispose();
  }
}
