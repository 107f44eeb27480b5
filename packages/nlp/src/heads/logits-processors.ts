/** Options of the logits processors generation applies before choosing tokens (HF names, camelCase). */
export interface LogitsProcessorOptions {
  /** No end-of-sequence before the decoder holds this many tokens (start token included; HF `min_length`). */
  minLength?: number;
  /** Forbid repeating any n-gram of this size (HF `no_repeat_ngram_size`; 0 = off). */
  noRepeatNgramSize?: number;
  /** Never generated (HF `suppress_tokens`, and `bad_words_ids` of one token: Marian's pad). */
  suppressTokens?: readonly number[] | undefined;
  /** Forced as the first generated token. */
  forcedBosTokenId?: number | undefined;
  /** Forced as the last token when the length limit is reached. */
  forcedEosTokenId?: number | undefined;
}

/** What the processors need to know about the sequence being extended. */
export interface ProcessorContext {
  /** Tokens so far, start token included. */
  readonly tokens: readonly number[];
  readonly eosTokenId: number;
  /** HF `max_length`: decoder length (start token included) generation stops at. */
  readonly maxLength: number;
}

/**
 * Applies HF's logits processors in place to one row of scores (logits or log-probabilities),
 * in HF's order: minimum length (end-of-sequence banned), no-repeat n-gram (tokens completing an
 * n-gram already in `tokens` banned), suppressed tokens, forced BOS on the first step, forced EOS on the last.
 * Banned entries become `-Infinity`.
 *
 * @example processLogits(row, { tokens: [0, 5, 7], eosTokenId: 1, maxLength: 20 }, { noRepeatNgramSize: 2 });
 */
export function processLogits(
  row: Float32Array,
  ctx: ProcessorContext,
  options: LogitsProcessorOptions,
): void {
  const len = ctx.tokens.length;
  if (options.minLength !== undefined && len < options.minLength) row[ctx.eosTokenId] = -Infinity;
  const n = options.noRepeatNgramSize ?? 0;
  if (n > 0 && len + 1 >= n) {
    for (const t of bannedNgramTokens(ctx.tokens, n)) row[t] = -Infinity;
  }
  for (const t of options.suppressTokens ?? []) if (t < row.length) row[t] = -Infinity;
  const force = (id: number) => {
    row.fill(-Infinity);
    row[id] = 0;
  };
  if (len === 1 && options.forcedBosTokenId !== undefined) force(options.forcedBosTokenId);
  if (len === ctx.maxLength - 1 && options.forcedEosTokenId !== undefined) force(options.forcedEosTokenId);
}

/** Tokens that would complete an n-gram of size `n` already present in `tokens`. */
export function bannedNgramTokens(tokens: readonly number[], n: number): number[] {
  const len = tokens.length;
  if (len + 1 < n) return [];
  const prev = tokens.slice(len - n + 1);
  const out: number[] = [];
  for (let s = 0; s + n <= len; s++) {
    let same = true;
    for (let j = 0; j < n - 1 && same; j++) same = tokens[s + j] === prev[j];
    if (same) out.push(tokens[s + n - 1] as number);
  }
  return out;
}
