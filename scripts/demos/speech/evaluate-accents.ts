import { evaluateRun, loadRun, type PeftkitHost } from '@peftkit/core';

/** CER and WER on one accent's held-out speakers. */
export interface AccentScore {
  readonly cer: number | null;
  readonly wer: number | null;
  readonly clips: number | null;
}

/**
 * Scores a finished run (or the base) on each Common Voice TSV of `tests` (accent -> file): what
 * `peftkit eval --adapter <run> --data <file>` prints, with the run loaded once.
 */
export async function evaluateAccents(
  host: PeftkitHost,
  runDir: string,
  tests: Readonly<Record<string, string>>,
): Promise<Record<string, AccentScore>> {
  const run = await loadRun(host, runDir);
  try {
    const scores: Record<string, AccentScore> = {};
    for (const [accent, file] of Object.entries(tests)) {
      const { metrics, examples } = await evaluateRun(host, run, { data: file, metrics: ['cer', 'wer'] });
      scores[accent] = { cer: metrics['cer'] ?? null, wer: metrics['wer'] ?? null, clips: examples };
    }
    return scores;
  } finally {
    run.model.dispose();
  }
}
