import { z } from 'zod';
import type { AudioExample } from '../data/audio-example.js';
import { CtcVocabulary } from '../heads/ctc-vocabulary.js';

/**
 * What a speech batch is trained to predict: `label` (class ids `[B]` for an utterance head),
 * `transcript` (CTC targets: the transcript encoded with the run's label set as the vocabulary),
 * or `auto`: the class when the example has one, else its transcript.
 */
export const SPEECH_TARGETS = ['auto', 'transcript', 'label'] as const;
export type SpeechTarget = (typeof SPEECH_TARGETS)[number];

export const speechTargetSchema = z.enum(SPEECH_TARGETS).default('auto');

/** One example's target: a class id, CTC class ids, or nothing (prediction). */
export type EncodedTarget =
  | { readonly kind: 'class'; readonly id: number }
  | { readonly kind: 'ctc'; readonly ids: readonly number[] }
  | undefined;

/**
 * Encodes the targets of examples for one run: class ids as the reader indexed them, or
 * transcripts through the label set read as a CTC vocabulary (`<pad>` blank, `|` word delimiter,
 * `<unk>` for characters the vocabulary lacks; each unknown character is reported once).
 */
export class SpeechTargets {
  private vocab: CtcVocabulary | undefined;
  private readonly reported = new Set<string>();

  constructor(
    readonly mode: SpeechTarget,
    private readonly labels: readonly string[] | undefined,
    private readonly warn: (line: string) => void,
  ) {}

  /** The run's labels as a CTC vocabulary (built on first use). */
  vocabulary(where: string): CtcVocabulary {
    if (!this.vocab) {
      if (!this.labels) {
        throw new Error(
          `${where}: transcript targets need the vocabulary as the run's label set; the reader returned none`,
        );
      }
      this.vocab = new CtcVocabulary(this.labels);
    }
    return this.vocab;
  }

  /** True when these labels are a CTC vocabulary (the blank token `<pad>` is one of them). */
  get labelsAreVocabulary(): boolean {
    return this.labels?.includes('<pad>') ?? false;
  }

  encode(example: AudioExample): EncodedTarget {
    const where = example.source ?? example.path;
    const useLabel =
      this.mode === 'label' ||
      (this.mode === 'auto' && example.label !== undefined && !this.labelsAreVocabulary);
    if (useLabel) {
      if (example.label === undefined) {
        if (this.mode === 'label') throw new Error(`${where}: target 'label' but the example has no label`);
        return undefined;
      }
      return { kind: 'class', id: example.label };
    }
    if (example.transcript === undefined) {
      if (this.mode === 'transcript')
        throw new Error(`${where}: target 'transcript' but the example has none`);
      return undefined;
    }
    const ids = this.vocabulary(where).encode(example.transcript, (ch) => {
      if (this.reported.has(ch)) return;
      this.reported.add(ch);
      this.warn(`warning: ${where}: character '${ch}' is not in the vocabulary; encoded as <unk>`);
    });
    return { kind: 'ctc', ids };
  }
}
