/**
 * One raw text example as the nlp readers produce it and the nlp preprocessors consume it. Which
 * fields are set depends on the task: `label` (class index) for classification, `value` for
 * regression, `words` + `tags` for token classification, only `text` for language modelling.
 */
export interface TextExample {
  readonly text: string;
  /** Second text of a pair (NLI, question + passage). */
  readonly pair?: string;
  /** Class index into the run's label set. */
  readonly label?: number;
  /** Regression target. */
  readonly value?: number;
  /** Pre-split words (token classification); `text` is then their space-joined form. */
  readonly words?: readonly string[];
  /** Class index of each word (token classification). */
  readonly tags?: readonly number[];
}
