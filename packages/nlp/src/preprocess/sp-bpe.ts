import { Bpe, type Merge } from './bpe.js';
import { bytePieces } from './byte-fallback.js';
import type { Vocab } from './vocab.js';

export interface SentencePieceBpeOptions {
  /** Unknown token; without one an unknown symbol is an error (unless byte fallback spells it). */
  unkToken?: string | undefined;
  /** Spell a symbol missing from the vocabulary as `<0xXX>` byte pieces when all exist. */
  byteFallback?: boolean;
  /** Join consecutive unknown symbols into one `unk` (HF `fuse_unk`). */
  fuseUnk?: boolean;
}

/**
 * BPE over characters with SentencePiece's conventions (Marian, Llama, mBART-style
 * `tokenizer.json` files): merges by rank on the characters of a Metaspace word, then each symbol
 * is looked up; one missing from the vocabulary becomes byte pieces (byte fallback) or `unk`.
 */
export class SentencePieceBpe {
  readonly bpe: Bpe;
  readonly unkToken: string | undefined;
  readonly byteFallback: boolean;
  readonly fuseUnk: boolean;

  constructor(
    readonly vocab: Vocab,
    merges: readonly Merge[],
    options: SentencePieceBpeOptions = {},
  ) {
    this.bpe = new Bpe(vocab, merges);
    this.unkToken = options.unkToken;
    this.byteFallback = options.byteFallback ?? false;
    this.fuseUnk = options.fuseUnk ?? false;
    if (this.unkToken !== undefined && !vocab.has(this.unkToken)) {
      throw new Error(`bpe: unk_token '${this.unkToken}' is not in the vocabulary`);
    }
  }

  get merges(): readonly Merge[] {
    return this.bpe.merges;
  }

  tokenize(word: string): number[] {
    const ids: number[] = [];
    let lastUnk = false;
    for (const symbol of this.bpe.split(word)) {
      const id = this.vocab.id(symbol);
      if (id !== undefined) {
        ids.push(id);
        lastUnk = false;
        continue;
      }
      if (this.byteFallback) {
        const bytes = bytePieces(symbol).map((b) => this.vocab.id(b));
        if (bytes.every((b) => b !== undefined)) {
          ids.push(...(bytes as number[]));
          lastUnk = false;
          continue;
        }
      }
      if (this.unkToken === undefined) {
        throw new Error(`bpe: '${symbol}' is not in the vocabulary and the model has no unk_token`);
      }
      if (!(this.fuseUnk && lastUnk)) ids.push(this.vocab.id(this.unkToken) as number);
      lastUnk = true;
    }
    return ids;
  }
}
