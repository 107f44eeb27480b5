import type { Encoding, TokenSpan } from './encoding.js';
import type { JsonRecord } from './json-fields.js';
import { type MetaspaceOptions, metaspaceWords } from './metaspace.js';
import {
  applyPostTemplate,
  checkTemplate,
  type PostTemplate,
  templateSpecialCount,
} from './post-template.js';
import type { SentencePieceBpe } from './sp-bpe.js';
import type { PieceDecoder } from './sp-decoder.js';
import type { TextNormalizer } from './sp-normalizer.js';
import { plainEncoding, type SegmentStart, TextTokenizer, type TokenizerCommonOptions } from './tokenizer.js';
import type { Unigram } from './unigram.js';
import type { Vocab } from './vocab.js';

/** How normalised text is cut into words before the subword model runs. */
export interface SentencePiecePreTokenizer {
  /** Split on whitespace first (older T5 files: `Sequence [WhitespaceSplit, Metaspace]`). */
  readonly whitespaceSplit: boolean;
  /** Metaspace settings; undefined when the normaliser already spells spaces as `▁` (Llama). */
  readonly metaspace: MetaspaceOptions | undefined;
}

export interface SentencePieceTokenizerOptions extends TokenizerCommonOptions {
  model: Unigram | SentencePieceBpe;
  normalizer: TextNormalizer;
  preTokenizer: SentencePiecePreTokenizer;
  /** Special tokens around a text / pair (T5: `A </s>`); undefined adds none. */
  template: PostTemplate | undefined;
  decoder: PieceDecoder;
  /** The `tokenizer.json` this was read from; saved back unchanged. */
  json: JsonRecord;
}

/**
 * SentencePiece models read from a Hugging Face `tokenizer.json`: T5's unigram model and
 * Marian/mBART/Llama-style BPE with byte fallback. Each segment is normalised (NFKC-style
 * `Precompiled`, whitespace collapsing, ...), cut into Metaspace words ('▁Hello', '▁world'),
 * segmented by the model, then wrapped by the post-processor template (`</s>` for T5).
 *
 * @example const tok = await loadTokenizer('models/t5-small'); tok.encode('Hello world').tokens // ['▁Hello', '▁world', '</s>']
 */
export class SentencePieceTokenizer extends TextTokenizer {
  readonly kind = 'sentencepiece' as const;
  readonly model: Unigram | SentencePieceBpe;
  readonly template: PostTemplate | undefined;
  readonly json: JsonRecord;
  private readonly normalize: TextNormalizer;
  private readonly pre: SentencePiecePreTokenizer;
  private readonly decoder: PieceDecoder;

  constructor(vocab: Vocab, options: SentencePieceTokenizerOptions) {
    super(vocab, options);
    this.model = options.model;
    this.normalize = options.normalizer;
    this.pre = options.preTokenizer;
    this.template = options.template;
    this.decoder = options.decoder;
    this.json = options.json;
    if (this.template) checkTemplate(this.template, vocab, 'tokenizer.json');
  }

  /** Words of one normalised segment. */
  private words(text: string, firstSection: boolean): string[] {
    const parts = this.pre.whitespaceSplit ? text.split(/\s+/u).filter((w) => w !== '') : [text];
    const m = this.pre.metaspace;
    if (!m) return parts.filter((w) => w !== '');
    return parts.flatMap((p, i) => metaspaceWords(p, m, firstSection && i === 0));
  }

  protected tokenizeSegment(text: string, context: { start: SegmentStart }): TokenSpan {
    const ids: number[] = [];
    const tokens: string[] = [];
    const wordIds: number[] = [];
    const first = context.start !== 'inner';
    this.words(this.normalize(text), first).forEach((word, w) => {
      for (const id of this.model.tokenize(word)) {
        ids.push(id);
        tokens.push(this.vocab.token(id) as string);
        wordIds.push(w);
      }
    });
    return { ids, tokens, wordIds };
  }

  numSpecialTokens(pair: boolean): number {
    return this.template ? templateSpecialCount(this.template, pair) : 0;
  }

  protected applyTemplate(a: TokenSpan, b: TokenSpan | undefined): Encoding {
    return this.template ? applyPostTemplate(this.template, this.vocab, a, b) : plainEncoding(a, b);
  }

  protected detokenize(tokens: readonly string[]): string {
    return this.decoder(tokens);
  }
}
