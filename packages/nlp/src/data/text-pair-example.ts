/**
 * One sequence-to-sequence example as the pair readers produce it: a source text and the target
 * text a model should generate from it (a translation, a summary).
 */
export interface TextPairExample {
  readonly source: string;
  readonly target: string;
}
