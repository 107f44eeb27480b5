import { arrayDataset, describeUnseen, indexLabels, type ReadResult, UserError } from '@peftkit/core';
import { type AudioCheckOptions, checkAudioFiles } from './audio-checks.js';
import type { AudioExample } from './audio-example.js';
import { type SpeakerSplitOptions, speakerDisjointSplit } from './speaker-split.js';

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
}

/**
 * Rows of a manifest (CSV/TSV, Common Voice) to a reader result: speaker split first (on every
 * row, so files never move between sides because another file is broken), then file checks on
 * the chosen side, then labels. Empty results are errors naming `file` and what emptied them.
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
  const whereOf = new Map<AudioExample, string>(chosen.map((r) => [r.example, r.where]));
  const checked = await checkAudioFiles(
    chosen.map((r) => r.example),
    options.checks,
    (e) => whereOf.get(e),
  );
  const warnings = [...checked.warnings];
  if (!checked.kept.length) throw new UserError(`${file}: no usable audio files: ${warnings.join('; ')}`);
  if (!options.classified) return { dataset: arrayDataset(checked.kept, file), warnings };
  const kept = checked.kept.map((e, k) => ({
    e,
    text: chosen[checked.indices[k] as number]?.labelText ?? '',
  }));
  const indexed = indexLabels(
    kept.map((k) => k.text),
    options.labels,
  );
  if (indexed.unseen.size) {
    warnings.push(
      `${file}: skipped rows with labels the model was not trained on: ${describeUnseen(indexed.unseen, 'row')}`,
    );
  }
  const examples: AudioExample[] = [];
  kept.forEach((k, i) => {
    const label = indexed.indices[i] as number;
    if (label >= 0) examples.push({ ...k.e, label });
  });
  if (!examples.length)
    throw new UserError(`${file}: no rows with a label the model knows (${indexed.labels.join(', ')})`);
  return {
    dataset: arrayDataset(examples, file),
    labels: indexed.labels,
    labelOf: (e) => e.label as number,
    warnings,
  };
}
