import { arrayDataset, describeUnseen, indexLabels, type ReadResult, UserError } from '@peftkit/core';
import { type AudioCheckOptions, checkAudioFiles } from './audio-checks.js';
import type { AudioExample } from './audio-example.js';
import { type SpeakerSplitOptions, speakerDisjointSplit } from './speaker-split.js';
import { transcriptLabels } from './transcript-labels.js';

/** One manifest row on its way to an example: the class as text, and the row for messages. */
export interface TableRow {
  readonly example: Omit<AudioExample, 'label'>;
  /** Class name (label column, or the accent for accent classification). */
  readonly labelText?: string | undefined;
  /** `file:line` of the row, plus the path column: prefixes messages about its file. */
  readonly where: string;
}

export interface TableExampleOptions {
  readonly checks: AudioCheckOptions;
  /** Eval-time label set (map onto it; skip and report rows outside it). */
  readonly labels: readonly string[] | undefined;
  /** With a speaker split: which side to return. */
  readonly speakerSplit?:
    | { readonly options: SpeakerSplitOptions; readonly side: 'train' | 'eval' }
    | undefined;
  /** Whether rows carry classes (a label column or accent labels). */
  readonly classified: boolean;
  /**
   * Transcript data (not classified): the run's label set is the CTC vocabulary, read from this
   * HF `vocab.json` or built from the kept transcripts (see `transcriptLabels`).
   */
  readonly transcripts?: { readonly vocabulary: string | undefined } | undefined;
}

/**
 * Rows of a manifest (CSV/TSV, Common Voice) to a reader result: speaker split first (on every
 * row, so files never move between sides because another file is broken), then file checks on
 * the chosen side (eval reads drop rows outside the model's labels before probing), then labels.
 * Empty results are errors naming `file` and what emptied them.
 */
export async function tableExamples(
  file: string,
  rows: readonly TableRow[],
  options: TableExampleOptions,
): Promise<ReadResult<AudioExample>> {
  if (!rows.length) throw new UserError(`${file}: no rows`);
  let chosen = rows;
  if (options.speakerSplit) {
    const { options: split, side } = options.speakerSplit;
    const isEval = speakerDisjointSplit(
      rows.map((r) => r.example.speaker ?? ''),
      split,
      rows.map((r) => r.labelText ?? r.example.accent ?? ''),
      file,
    );
    chosen = rows.filter((_, i) => isEval[i] === (side === 'eval'));
  }
  const warnings: string[] = [];
  if (options.classified && options.labels) {
    // Eval data: rows outside the model's labels are dropped before their files are probed.
    const known = new Set(options.labels);
    const unseen = new Map<string, number>();
    for (const r of chosen) {
      const text = r.labelText ?? '';
      if (!known.has(text)) unseen.set(text, (unseen.get(text) ?? 0) + 1);
    }
    if (unseen.size) {
      warnings.push(
        `${file}: skipped rows with labels the model was not trained on: ${describeUnseen(unseen, 'row')}`,
      );
      chosen = chosen.filter((r) => known.has(r.labelText ?? ''));
    }
    if (!chosen.length) {
      throw new UserError(`${file}: no rows with a label the model knows (${options.labels.join(', ')})`);
    }
  }
  const whereOf = new Map<AudioExample, string>(chosen.map((r) => [r.example, r.where]));
  const checked = await checkAudioFiles(
    chosen.map((r) => r.example),
    options.checks,
    (e) => whereOf.get(e),
  );
  warnings.push(...checked.warnings);
  const name = options.speakerSplit ? `${file}[${options.speakerSplit.side}]` : file;
  if (!checked.kept.length) throw new UserError(`${file}: no usable audio files: ${warnings.join('; ')}`);
  if (!options.classified) {
    if (!options.transcripts) return { dataset: arrayDataset(checked.kept, name), warnings };
    const vocabulary = await transcriptLabels(
      checked.kept.map((e) => e.transcript ?? ''),
      options.transcripts.vocabulary,
      options.labels,
    );
    return { dataset: arrayDataset(checked.kept, name), labels: vocabulary, warnings };
  }
  // Training: the label set is what survived the checks, so no class is left without examples.
  const indexed = indexLabels(
    checked.indices.map((i) => chosen[i]?.labelText ?? ''),
    options.labels,
  );
  const examples = checked.kept.map((e, k) => ({ ...e, label: indexed.indices[k] as number }));
  return {
    dataset: arrayDataset(examples, name),
    labels: indexed.labels,
    labelOf: (e) => e.label as number,
    warnings,
  };
}
