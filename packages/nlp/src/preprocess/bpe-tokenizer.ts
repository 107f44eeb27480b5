import { Bpe, type Merge } from './bpe.js';
import { bytesToUnicode, splitGpt2, unicodeToBytes } from './byte-level.js';
import type { Encoding, TokenSpan } from './encoding.js';
import {
  applyPostTemplate,
  checkTemplate,
  type PostTemplate,
  templateSpecialCount,
} from './post-template.js';
import { GPT2_SPECIAL_TOKENS, type SpecialTokens } from './special-tokens.js';
import { plainEncoding, type SegmentStart, TextTokenizer, type TokenizerCommonOptions } from './tokenizer.js';
import type { Vocab } from './vocab.js';

export interface ByteLevelBpeTokenizerOptions extends Partial<TokenizerCommonOptions> {
  /** Put a space before the first word so it tokenises like any other word (GPT-2: false). */
  addPrefixSpace?: boolean;
  /** Wrap sequences as `bos A eos` (default false: GPT-2 adds nothing). */
  addBosEos?: boolean;
  /**
   * Special tokens from the file's post-processor (BART/RoBERTa: `<s> A </s>`, pairs
   * `<s> A </s></s> B </s>`); takes precedence over `addBosEos`.
   */
  template?: PostTemplate;
}

/**
 * GPT-2's byte-level BPE: the GPT-2 split pattern, each piece spelled in the byte-level alphabet,
 * then BPE merges by rank. Every string round-trips through `decode`. Symbols missing from the
 * vocabulary (only possible with a reduced vocabulary) become the unknown token, as GPT-2's
 * Python tokenizer does.
 *
 * @example
 * const tok = new ByteLevelBpeTokenizer(Vocab.fromObject(vocabJson), parseMerges(mergesTxt));
 * tok.encode('Hello world').tokens; // ['Hello', 'Ġworld']
 */
export class ByteLevelBpeTokenizer extends TextTokenizer {
  readonly kind = 'bpe' as const;
  readonly model: Bpe;
  readonly addPrefixSpace: boolean;
  readonly addBosEos: boolean;
  readonly template: PostTemplate | undefined;

  constructor(vocab: Vocab, merges: readonly Merge[], options: ByteLevelBpeTokenizerOptions = {}) {
    const special: SpecialTokens =
      options.special ?? (vocab.has('<|endoftext|>') ? GPT2_SPECIAL_TOKENS : Object.freeze({}));
    super(vocab, { paddingSide: 'right', ...options, special });
    this.model = new Bpe(vocab, merges);
    this.addPrefixSpace = options.addPrefixSpace ?? false;
    this.addBosEos = options.addBosEos ?? false;
    this.template = options.template;
    if (this.template) checkTemplate(this.template, vocab, 'byte-level BPE post-processor');
  }

  protected tokenizeSegment(text: string, context: { start: SegmentStart }): TokenSpan {
    const ids: number[] = [];
    const tokens: string[] = [];
    const wordIds: number[] = [];
    const unk = this.maybeSpecialId('unk');
    const space =
      context.start === 'next-word' ||
      (this.addPrefixSpace && (context.start === 'text' || context.start === 'first-word'));
    splitGpt2(space && !/^\s/u.test(text) ? ` ${text}` : text).forEach((piece, w) => {
      for (const symbol of this.model.split(bytesToUnicode(piece))) {
        const id = this.vocab.id(symbol) ?? unk;
        if (id === undefined) continue;
        ids.push(id);
        tokens.push(this.vocab.token(id) as string);
        wordIds.push(w);
      }
    });
    return { ids, tokens, wordIds };
  }

  numSpecialTokens(pair: boolean): number {
    if (this.template) return templateSpecialCount(this.template, pair);
    if (!this.addBosEos) return 0;
    return pair ? 4 : 2;
  }

  protected applyTemplate(a: TokenSpan, b: TokenSpan | undefined): Encoding {
    if (this.template) return applyPostTemplate(this.template, this.vocab, a, b);
    if (!this.addBosEos) return plainEncoding(a, b);
    const bos = this.specialId('bos');
    const eos = this.specialId('eos');
    const wrap = (s: TokenSpan): TokenSpan => ({
      ids: [bos, ...s.ids, eos],
      tokens: [this.special.bos as string, ...s.tokens, this.special.eos as string],
      wordIds: [null, ...s.wordIds, null],
    });
    const e = plainEncoding(wrap(a), b ? wrap(b) : undefined);
    const isSpecial = (i: number) => e.wordIds[i] === null && this.isSpecialId(e.ids[i] as number);
    return {
      ...e,
      specialTokensMask: e.ids.map((_, i) => (isSpecial(i) ? 1 : 0)),
      sequenceIds: e.sequenceIds.map((s, i) => (isSpecial(i) ? null : s)),
    };
  }

  protected detokenize(tokens: readonly string[]): string {
    return unicodeToBytes(tokens.join(''));
  }
}
