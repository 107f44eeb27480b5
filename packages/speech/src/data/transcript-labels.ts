import * as path from 'node:path';
import { z } from 'zod';
import { buildCharVocabulary, readHfVocabulary } from '../heads/ctc-vocabulary.js';

/** How transcripts are normalised before the vocabulary is built and targets are encoded. */
export const TEXT_NORMALIZATIONS = ['none', 'lowercase', 'uppercase', 'letters', 'letters-upper'] as const;
export type TextNormalization = (typeof TEXT_NORMALIZATIONS)[number];

/** Reader options of transcript (ASR) data, shared by the table readers. */
export const transcriptShape = {
  /**
   * An HF `vocab.json` used as the run's label set (the CTC vocabulary) instead of one built from
   * the training transcripts: an adaptation run reuses its base's vocabulary exactly this way
   * (peftkit writes `vocab.json` next to every CTC checkpoint and adapter). Relative to the
   * working directory.
   */
  vocabulary: z.string().min(1).optional(),
  /**
   * `none` keeps transcripts as written; `lowercase`; `uppercase`; `letters` lowercases and
   * replaces everything but letters, digits, marks and apostrophes with spaces (the usual wav2vec2
   * fine-tuning clean-up, so punctuation does not become output classes); `letters-upper` is the
   * same in upper case, for upper-case vocabularies such as `facebook/wav2vec2-base-960h`'s.
   */
  normalizeText: z.enum(TEXT_NORMALIZATIONS).default('none'),
};

/** A transcript under `mode`. */
export function normalizeTranscript(text: string, mode: TextNormalization): string {
  if (mode === 'none') return text;
  if (mode === 'lowercase') return text.toLowerCase();
  if (mode === 'uppercase') return text.toUpperCase();
  const letters = text
    .replace(/[\u2018\u2019\u02bc]/gu, "'")
    .replace(/[^\p{L}\p{M}\p{N}'\s]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  return mode === 'letters-upper' ? letters.toUpperCase() : letters.toLowerCase();
}

/**
 * The label set of transcript data: the labels given (eval data, a trained model), else the
 * `vocabulary` file, else the character vocabulary of `transcripts` (`buildCharVocabulary`:
 * `<pad>` blank, `<unk>`, `|`, then every character seen).
 */
export async function transcriptLabels(
  transcripts: readonly string[],
  vocabulary: string | undefined,
  labels: readonly string[] | undefined,
): Promise<readonly string[]> {
  if (labels) return labels;
  if (vocabulary) return readHfVocabulary(path.resolve(vocabulary));
  return buildCharVocabulary(transcripts);
}
