import { type FitContext, UserError } from '@peftkit/core';
import type { TextTokenizer } from './tokenizer.js';
import { hasTokenizerFiles, loadTokenizer, TOKENIZER_FILES } from './tokenizer-files.js';
import { trainWordPiece } from './wordpiece-trainer.js';

/** How a preprocessor finds its tokenizer (the `nlp/*` preprocessors' shared options). */
export interface TokenizerSource {
  /** A Hugging Face tokenizer directory. */
  readonly tokenizer?: string | undefined;
  /** Vocabulary training: size, minimum pair frequency, BERT-uncased normalisation. */
  readonly vocabSize: number;
  readonly minFrequency: number;
  readonly lowercase: boolean;
}

/**
 * The tokenizer of a run, first match wins: `source.tokenizer`, the tokenizer files in the base
 * checkpoint directory (a model from the Hugging Face hub), else a WordPiece vocabulary trained on
 * `texts()`. A base's embedding rows are indexed by its vocabulary, so a vocabulary is never
 * trained for a base checkpoint: a base without tokenizer files is a user error.
 */
export async function fitTokenizer(
  source: TokenizerSource,
  texts: () => AsyncIterable<string>,
  context: FitContext,
): Promise<TextTokenizer> {
  if (source.tokenizer) return loadTokenizer(source.tokenizer);
  if (context.baseDir !== undefined) {
    if (!(await hasTokenizerFiles(context.baseDir))) {
      throw new UserError(
        `nlp/tokenizer: the base checkpoint ${context.baseDir} has no tokenizer (no ${TOKENIZER_FILES.json}, ${TOKENIZER_FILES.vocabTxt} or ${TOKENIZER_FILES.vocabJson} + ${TOKENIZER_FILES.merges}, no preprocessor.json); set preprocess.options.tokenizer to the directory of the tokenizer the base was trained with`,
      );
    }
    return loadTokenizer(context.baseDir);
  }
  const all: string[] = [];
  for await (const t of texts()) all.push(t);
  return trainWordPiece(all, {
    vocabSize: source.vocabSize,
    minFrequency: source.minFrequency,
    normalizer: { lowercase: source.lowercase },
  });
}
