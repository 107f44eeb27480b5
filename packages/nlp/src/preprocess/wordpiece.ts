import type { Vocab } from './vocab.js';

/** WordPiece model settings (HF `WordPiece` model of `tokenizer.json`). */
export interface WordPieceOptions {
  unkToken: string;
  /** Marks a piece that continues a word (default `##`). */
  continuingSubwordPrefix?: string;
  /** Longer words (in code points) become one unknown token (default 100). */
  maxInputCharsPerWord?: number;
}

/**
 * Greedy longest-match-first WordPiece over one pre-tokenised word, as BERT: the first piece is
 * looked up as is, later pieces with the `##` prefix; if any position has no match, or the word
 * is too long, the whole word is the unknown token.
 *
 * @example
 * new WordPiece(vocab, { unkToken: '[UNK]' }).split('unaffable'); // ['un', '##aff', '##able']
 */
export class WordPiece {
  readonly unkToken: string;
  readonly prefix: string;
  readonly maxInputCharsPerWord: number;

  constructor(
    readonly vocab: Vocab,
    options: WordPieceOptions,
  ) {
    this.unkToken = options.unkToken;
    this.prefix = options.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    if (!vocab.has(this.unkToken)) {
      throw new Error(`WordPiece: the unknown token '${this.unkToken}' is not in the vocabulary`);
    }
  }

  /** The pieces of `word` (a single pre-tokenised word, already normalised). */
  split(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) return [this.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const sub = chars.slice(start, end).join('');
        const candidate = start > 0 ? this.prefix + sub : sub;
        if (this.vocab.has(candidate)) {
          found = candidate;
          break;
        }
        end -= 1;
      }
      if (found === undefined) return [this.unkToken];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}
