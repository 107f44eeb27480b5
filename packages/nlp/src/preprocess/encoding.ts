/**
 * Token sequences and what happens to them after tokenisation: truncation to a length budget,
 * padding, and stacking into a batch. Shared by every tokenizer.
 */

/** Tokens of one text before special tokens are added. */
export interface TokenSpan {
  readonly ids: number[];
  readonly tokens: string[];
  /** Index of the (pre-tokenised) word each token came from; null for added/special tokens. */
  readonly wordIds: (number | null)[];
}

/** One encoded text or text pair, ready for a model. */
export interface Encoding {
  readonly ids: number[];
  readonly tokens: string[];
  /** Segment of each token: 0 for the first text, 1 for the second (BERT's token type ids). */
  readonly typeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: number[];
  /** 1 for tokens the tokenizer added ([CLS], [SEP], padding). */
  readonly specialTokensMask: number[];
  /** Word index of each token within its text, null for special tokens and padding. */
  readonly wordIds: (number | null)[];
  /** Which input each token belongs to (0, 1), null for special tokens and padding. */
  readonly sequenceIds: (number | null)[];
}

/** How a pair is shortened: HF's `longest_first` (default), `only_first`, `only_second`. */
export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

/** `longest`: to the longest in the batch; `max_length`: to `maxLength`. */
export type PaddingStrategy = 'longest' | 'max_length';

export type PaddingSide = 'right' | 'left';

export function emptySpan(): TokenSpan {
  return { ids: [], tokens: [], wordIds: [] };
}

function head(span: TokenSpan, n: number): TokenSpan {
  return { ids: span.ids.slice(0, n), tokens: span.tokens.slice(0, n), wordIds: span.wordIds.slice(0, n) };
}

/**
 * Shortens `a` (and `b`) so together they hold at most `budget` tokens (the special tokens are
 * already subtracted). `longest_first` removes one token at a time from the longer span (from
 * `a` on ties), as HF does; `only_*` shortens one span and fails if that cannot be enough.
 */
export function truncateSpans(
  a: TokenSpan,
  b: TokenSpan | undefined,
  budget: number,
  strategy: TruncationStrategy = 'longest_first',
): [TokenSpan, TokenSpan | undefined] {
  if (budget < 0) throw new Error(`truncation: maxLength leaves no room after the special tokens`);
  const lb = b?.ids.length ?? 0;
  const total = a.ids.length + lb;
  if (total <= budget) return [a, b];
  const excess = total - budget;
  if (strategy === 'only_first' || (strategy === 'longest_first' && !b)) {
    if (a.ids.length < excess) {
      throw new Error(
        `truncation 'only_first': the first text has ${a.ids.length} tokens, ${excess} must go (second text ${lb})`,
      );
    }
    return [head(a, a.ids.length - excess), b];
  }
  if (strategy === 'only_second') {
    if (!b || lb < excess) {
      throw new Error(`truncation 'only_second': the second text has ${lb} tokens, ${excess} must go`);
    }
    return [a, head(b, lb - excess)];
  }
  let na = a.ids.length;
  let nb = lb;
  for (let k = 0; k < excess; k++) {
    if (na >= nb) na -= 1;
    else nb -= 1;
  }
  return [head(a, na), b ? head(b, nb) : undefined];
}

/** Pads `e` to `length` with `padId` (no-op when already that long). */
export function padEncoding(
  e: Encoding,
  length: number,
  padId: number,
  side: PaddingSide = 'right',
): Encoding {
  const n = length - e.ids.length;
  if (n <= 0) return e;
  const fill = <T>(v: T) => new Array<T>(n).fill(v);
  const join = <T>(xs: readonly T[], v: T): T[] =>
    side === 'right' ? [...xs, ...fill(v)] : [...fill(v), ...xs];
  return {
    ids: join(e.ids, padId),
    tokens: join(e.tokens, '<pad>'),
    typeIds: join(e.typeIds, 0),
    attentionMask: join(e.attentionMask, 0),
    specialTokensMask: join(e.specialTokensMask, 1),
    wordIds: join<number | null>(e.wordIds, null),
    sequenceIds: join<number | null>(e.sequenceIds, null),
  };
}

/** A batch as flat row-major int32 arrays `[batchSize, seqLength]`, plus the encodings. */
export interface BatchEncoding {
  readonly batchSize: number;
  readonly seqLength: number;
  readonly inputIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly encodings: readonly Encoding[];
}

/**
 * Stacks encodings of equal length (pad them first) into flat arrays.
 *
 * @example const b = stackEncodings(encodings); tf.tensor2d(b.inputIds, [b.batchSize, b.seqLength], 'int32')
 */
export function stackEncodings(encodings: readonly Encoding[]): BatchEncoding {
  const t = encodings[0]?.ids.length ?? 0;
  const n = encodings.length;
  const inputIds = new Int32Array(n * t);
  const attentionMask = new Int32Array(n * t);
  const tokenTypeIds = new Int32Array(n * t);
  encodings.forEach((e, i) => {
    if (e.ids.length !== t) {
      throw new Error(
        `stackEncodings: encoding ${i} has ${e.ids.length} tokens, encoding 0 has ${t}; pad first`,
      );
    }
    inputIds.set(e.ids, i * t);
    attentionMask.set(e.attentionMask, i * t);
    tokenTypeIds.set(e.typeIds, i * t);
  });
  return { batchSize: n, seqLength: t, inputIds, attentionMask, tokenTypeIds, encodings };
}
