import {
  type BertNormalizerOptions,
  normalizeBert,
  type ResolvedBertNormalizer,
  resolveBertNormalizer,
  splitBertWords,
} from './basic-tokenizer.js';
import type { Encoding, TokenSpan } from './encoding.js';
import { BERT_SPECIAL_TOKENS, type SpecialTokens } from './special-tokens.js';
import { TextTokenizer, type TokenizerCommonOptions } from './tokenizer.js';
import type { Vocab } from './vocab.js';
import { WordPiece } from './wordpiece.js';

export interface WordPieceTokenizerOptions extends Partial<TokenizerCommonOptions> {
  /** BERT normalisation; default uncased (lower-case and strip accents). */
  normalizer?: BertNormalizerOptions;
  continuingSubwordPrefix?: string;
  maxInputCharsPerWord?: number;
}

/**
 * BERT's tokenizer: `BasicTokenizer` normalisation and splitting, WordPiece, and the
 * `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` template with token type ids 0 / 1.
 *
 * @example
 * const tok = new WordPieceTokenizer(Vocab.parseVocabTxt(text));
 * tok.encode('Héllo, world!', { maxLength: 16, padding: 'max_length' });
 */
export class WordPieceTokenizer extends TextTokenizer {
  readonly kind = 'wordpiece' as const;
  readonly normalizer: ResolvedBertNormalizer;
  readonly model: WordPiece;

  constructor(vocab: Vocab, options: WordPieceTokenizerOptions = {}) {
    const special: SpecialTokens = options.special ?? BERT_SPECIAL_TOKENS;
    super(vocab, { ...options, special });
    if (special.cls === undefined || special.sep === undefined || special.unk === undefined) {
      throw new Error('WordPieceTokenizer: special tokens need unk, cls and sep');
    }
    this.normalizer = resolveBertNormalizer(options.normalizer);
    this.model = new WordPiece(vocab, {
      unkToken: special.unk,
      ...(options.continuingSubwordPrefix !== undefined
        ? { continuingSubwordPrefix: options.continuingSubwordPrefix }
        : {}),
      ...(options.maxInputCharsPerWord !== undefined
        ? { maxInputCharsPerWord: options.maxInputCharsPerWord }
        : {}),
    });
  }

  /** Normalised words of `text` (BERT's `BasicTokenizer.tokenize`). */
  words(text: string): string[] {
    return splitBertWords(normalizeBert(text, this.normalizer));
  }

  protected tokenizeSegment(text: string): TokenSpan {
    const ids: number[] = [];
    const tokens: string[] = [];
    const wordIds: number[] = [];
    this.words(text).forEach((word, w) => {
      for (const piece of this.model.split(word)) {
        ids.push(this.vocab.id(piece) as number);
        tokens.push(piece);
        wordIds.push(w);
      }
    });
    return { ids, tokens, wordIds };
  }

  numSpecialTokens(pair: boolean): number {
    return pair ? 3 : 2;
  }

  protected applyTemplate(a: TokenSpan, b: TokenSpan | undefined): Encoding {
    const cls = this.specialId('cls');
    const sep = this.specialId('sep');
    const clsT = this.special.cls as string;
    const sepT = this.special.sep as string;
    const ids = [cls, ...a.ids, sep];
    const tokens = [clsT, ...a.tokens, sepT];
    const typeIds = ids.map(() => 0);
    const special = [1, ...a.ids.map(() => 0), 1];
    const wordIds: (number | null)[] = [null, ...a.wordIds, null];
    const sequenceIds: (number | null)[] = [null, ...a.ids.map(() => 0), null];
    if (b) {
      ids.push(...b.ids, sep);
      tokens.push(...b.tokens, sepT);
      typeIds.push(...b.ids.map(() => 1), 1);
      special.push(...b.ids.map(() => 0), 1);
      wordIds.push(...b.wordIds, null);
      sequenceIds.push(...b.ids.map(() => 1), null);
    }
    return {
      ids,
      tokens,
      typeIds,
      attentionMask: ids.map(() => 1),
      specialTokensMask: special,
      wordIds,
      sequenceIds,
    };
  }

  /** Joins pieces: `##` continuations attach to the previous piece, words are space-separated. */
  protected detokenize(tokens: readonly string[]): string {
    const prefix = this.model.prefix;
    let out = '';
    for (const t of tokens) {
      if (t.startsWith(prefix)) out += t.slice(prefix.length);
      else out += out ? ` ${t}` : t;
    }
    return cleanUpTokenization(out);
  }
}

/** HF's `clean_up_tokenization`: no space before punctuation and English contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
