import {
  type BatchEncoding,
  type Encoding,
  type PaddingSide,
  type PaddingStrategy,
  padEncoding,
  stackEncodings,
  type TokenSpan,
  type TruncationStrategy,
  truncateSpans,
} from './encoding.js';
import { type SpecialTokenRole, type SpecialTokens, splitAddedTokens } from './special-tokens.js';
import type { Vocab } from './vocab.js';

/** A text, or a text already split into words (token classification). */
export type TextInput = string | readonly string[];

/** Where a segment starts; see `TextTokenizer.tokenizeSegment`. */
export type SegmentStart = 'text' | 'inner' | 'first-word' | 'next-word';

/** One batch item: a text or a text pair. */
export type BatchInput = TextInput | { readonly text: TextInput; readonly pair: TextInput };

export interface EncodeOptions {
  /** Add the family's special tokens ([CLS] ... [SEP]); default true. */
  addSpecialTokens?: boolean;
  /** Length limit in tokens, special tokens included (default: none). */
  maxLength?: number;
  /** Truncate to `maxLength` (default true when `maxLength` is set); a strategy for pairs. */
  truncation?: boolean | TruncationStrategy;
  /**
   * `true` / `'longest'`: pad a batch to its longest item; `'max_length'`: to `maxLength`.
   * A single `encode` pads only with `'max_length'`. Default: no padding (a batch is then
   * padded to its longest item anyway, because it must be rectangular).
   */
  padding?: boolean | PaddingStrategy;
}

/** Settings shared by every tokenizer family. */
export interface TokenizerCommonOptions {
  special: SpecialTokens;
  /** Tokens matched verbatim in raw text before normalisation (default: the special tokens). */
  addedTokens?: readonly string[];
  /** Longest input the model accepts (HF `model_max_length`), used as the default `maxLength`. */
  modelMaxLength?: number;
  paddingSide?: PaddingSide;
}

/**
 * The common part of peftkit's tokenizers: added-token splitting, pre-split words, pairs,
 * truncation, padding, batching and decoding. A family (WordPiece, byte-level BPE) supplies how
 * a plain text segment becomes tokens, its special-token template and its detokenisation.
 */
export abstract class TextTokenizer {
  abstract readonly kind: 'wordpiece' | 'bpe' | 'sentencepiece';
  readonly special: SpecialTokens;
  readonly addedTokens: readonly string[];
  readonly modelMaxLength: number | undefined;
  readonly paddingSide: PaddingSide;
  private readonly specialIds: ReadonlySet<number>;

  protected constructor(
    readonly vocab: Vocab,
    options: TokenizerCommonOptions,
  ) {
    this.special = Object.freeze({ ...options.special });
    for (const [role, token] of Object.entries(this.special)) {
      if (token !== undefined && !vocab.has(token)) {
        throw new Error(`tokenizer: the ${role} token '${token}' is not in the vocabulary`);
      }
    }
    const specials = Object.values(this.special).filter((t): t is string => t !== undefined);
    this.addedTokens = Object.freeze([...new Set([...(options.addedTokens ?? []), ...specials])]);
    for (const t of this.addedTokens) {
      if (!vocab.has(t)) throw new Error(`tokenizer: added token '${t}' is not in the vocabulary`);
    }
    this.specialIds = new Set(specials.map((t) => vocab.id(t) as number));
    this.modelMaxLength = options.modelMaxLength;
    this.paddingSide = options.paddingSide ?? 'right';
  }

  /**
   * Tokens of one plain segment (no added tokens inside); word ids start at 0. `start` says where
   * the segment sits: at the start of a text, after an added token inside a text, or at the start
   * of the first / a later pre-split word (byte-level BPE spells word-initial spaces).
   */
  protected abstract tokenizeSegment(text: string, context: { start: SegmentStart }): TokenSpan;

  /** Adds the family's special tokens around one or two spans. */
  protected abstract applyTemplate(a: TokenSpan, b: TokenSpan | undefined): Encoding;

  /** How many tokens `applyTemplate` adds. */
  abstract numSpecialTokens(pair: boolean): number;

  /** Text from tokens (special tokens already removed when asked). */
  protected abstract detokenize(tokens: readonly string[]): string;

  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Id of a special token role; throws naming the role when the tokenizer has none. */
  specialId(role: SpecialTokenRole): number {
    const token = this.special[role];
    if (token === undefined) throw new Error(`tokenizer (${this.kind}) has no ${role} token`);
    return this.vocab.id(token) as number;
  }

  /** Id of a special token role, or undefined. */
  maybeSpecialId(role: SpecialTokenRole): number | undefined {
    const token = this.special[role];
    return token === undefined ? undefined : this.vocab.id(token);
  }

  isSpecialId(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** The padding id: the pad token, else (GPT-2, which has none) the end-of-text token. */
  get padId(): number {
    const id = this.maybeSpecialId('pad') ?? this.maybeSpecialId('eos');
    if (id === undefined) throw new Error(`tokenizer (${this.kind}) has neither a pad nor an eos token`);
    return id;
  }

  /** Tokens of `input` without special tokens, with word ids. */
  tokenize(input: TextInput): TokenSpan {
    const ids: number[] = [];
    const tokens: string[] = [];
    const wordIds: (number | null)[] = [];
    let words = 0;
    const append = (span: TokenSpan, fixedWord?: number) => {
      let maxWord = -1;
      span.ids.forEach((id, i) => {
        ids.push(id);
        tokens.push(span.tokens[i] as string);
        const w = span.wordIds[i];
        if (w !== null && w !== undefined) maxWord = Math.max(maxWord, w);
        wordIds.push(fixedWord ?? (w === null || w === undefined ? null : words + w));
      });
      words = fixedWord !== undefined ? fixedWord + 1 : words + maxWord + 1;
    };
    const segments = (text: string, start: SegmentStart, fixedWord?: number) => {
      let where = start;
      for (const seg of splitAddedTokens(text, this.addedTokens)) {
        if (seg.added) {
          const id = this.vocab.id(seg.text) as number;
          append({ ids: [id], tokens: [seg.text], wordIds: [0] }, fixedWord);
        } else append(this.tokenizeSegment(seg.text, { start: where }), fixedWord);
        where = 'inner';
      }
    };
    if (typeof input === 'string') segments(input, 'text');
    else {
      input.forEach((word, i) => {
        segments(word, i === 0 ? 'first-word' : 'next-word', i);
      });
    }
    return { ids, tokens, wordIds };
  }

  /** Token ids of `input` without special tokens. */
  encodeIds(input: TextInput): number[] {
    return this.tokenize(input).ids;
  }

  /** Encodes one text (or a pair with `pair`). */
  encode(input: TextInput, options: EncodeOptions & { pair?: TextInput } = {}): Encoding {
    const addSpecial = options.addSpecialTokens ?? true;
    const a = this.tokenize(input);
    const b = options.pair === undefined ? undefined : this.tokenize(options.pair);
    const maxLength = options.maxLength;
    const truncation = options.truncation ?? maxLength !== undefined;
    let spans: [TokenSpan, TokenSpan | undefined] = [a, b];
    if (truncation !== false) {
      const limit = maxLength ?? this.modelMaxLength;
      if (limit === undefined) throw new Error('tokenizer: truncation needs maxLength (or modelMaxLength)');
      const budget = limit - (addSpecial ? this.numSpecialTokens(b !== undefined) : 0);
      spans = truncateSpans(a, b, budget, truncation === true ? 'longest_first' : truncation);
    }
    const e = addSpecial ? this.applyTemplate(spans[0], spans[1]) : plainEncoding(spans[0], spans[1]);
    if (options.padding === 'max_length') {
      if (maxLength === undefined) throw new Error("tokenizer: padding 'max_length' needs maxLength");
      return padEncoding(e, maxLength, this.padId, this.paddingSide);
    }
    return e;
  }

  /** Encodes a batch and pads it into rectangular int32 arrays. */
  encodeBatch(inputs: readonly BatchInput[], options: EncodeOptions = {}): BatchEncoding {
    const encodings = inputs.map((x) =>
      typeof x === 'object' && 'pair' in x && !Array.isArray(x)
        ? this.encode((x as { text: TextInput }).text, { ...options, padding: false, pair: x.pair })
        : this.encode(x as TextInput, { ...options, padding: false }),
    );
    const longest = Math.max(0, ...encodings.map((e) => e.ids.length));
    const length = options.padding === 'max_length' ? (options.maxLength ?? longest) : longest;
    return stackEncodings(encodings.map((e) => padEncoding(e, length, this.padId, this.paddingSide)));
  }

  /** Text of `ids`; `skipSpecialTokens` drops [CLS], [SEP], padding, ... */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (options.skipSpecialTokens && this.specialIds.has(id)) continue;
      const t = this.vocab.token(id);
      if (t === undefined)
        throw new Error(`tokenizer.decode: id ${id} is outside the vocabulary (${this.vocab.size})`);
      tokens.push(t);
    }
    return this.detokenize(tokens);
  }
}

/** A span (or two) as an encoding without special tokens. */
export function plainEncoding(a: TokenSpan, b: TokenSpan | undefined): Encoding {
  const parts = b ? [a, b] : [a];
  const flat = <T>(f: (s: TokenSpan, k: number) => T[]) => parts.flatMap(f);
  return {
    ids: flat((s) => s.ids),
    tokens: flat((s) => s.tokens),
    typeIds: flat((s, k) => s.ids.map(() => k)),
    attentionMask: flat((s) => s.ids.map(() => 1)),
    specialTokensMask: flat((s) => s.ids.map(() => 0)),
    wordIds: flat((s) => s.wordIds),
    sequenceIds: flat((s, k) => s.ids.map(() => k)),
  };
}
