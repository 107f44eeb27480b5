import { bytePieces } from './byte-fallback.js';

/** One vocabulary entry of a unigram model: a piece and its log-probability. */
export type UnigramPiece = readonly [piece: string, score: number];

/** Score below the worst piece given to an unknown character (SentencePiece's kUnkPenalty). */
const UNK_PENALTY = 10;

export interface UnigramOptions {
  /** Id of the unknown piece; without one an unknown character is an error. */
  unkId?: number | undefined;
  /** Spell unknown characters as `<0xXX>` byte pieces when the vocabulary has them. */
  byteFallback?: boolean;
}

/**
 * SentencePiece's unigram model: the segmentation of a word with the highest total piece score
 * (Viterbi over every vocabulary piece that matches at each position). A character no piece
 * starts with becomes an unknown piece scored `min score - 10`; consecutive unknown characters
 * are fused into one, then spelled as byte pieces when `byteFallback` is on, else as `unk`.
 *
 * @example new Unigram([['▁a', -1], ['▁', -2], ['a', -3]], { unkId: 0 }).tokenize('▁a') // [id of '▁a']
 */
export class Unigram {
  readonly pieces: readonly UnigramPiece[];
  readonly unkId: number | undefined;
  readonly byteFallback: boolean;
  private readonly ids = new Map<string, number>();
  private readonly maxPieceChars: number;
  private readonly unkScore: number;

  constructor(pieces: readonly UnigramPiece[], options: UnigramOptions = {}) {
    this.pieces = pieces;
    this.unkId = options.unkId;
    this.byteFallback = options.byteFallback ?? false;
    let longest = 1;
    let min = Number.POSITIVE_INFINITY;
    pieces.forEach(([piece, score], id) => {
      if (!this.ids.has(piece)) this.ids.set(piece, id);
      longest = Math.max(longest, Array.from(piece).length);
      min = Math.min(min, score);
    });
    if (this.unkId !== undefined && (this.unkId < 0 || this.unkId >= pieces.length)) {
      throw new Error(`unigram: unk_id ${this.unkId} is outside the vocabulary (${pieces.length} pieces)`);
    }
    this.maxPieceChars = longest;
    this.unkScore = (Number.isFinite(min) ? min : 0) - UNK_PENALTY;
  }

  get size(): number {
    return this.pieces.length;
  }

  /** The best-scoring pieces of `word` (unknown runs fused, before byte fallback). */
  segment(word: string): { piece: string; id: number | undefined }[] {
    const chars = Array.from(word);
    const n = chars.length;
    // best[i]: best path score of chars[0..i), the start of its last piece and that piece's id.
    const score = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const from = new Int32Array(n + 1).fill(-1);
    const idAt = new Int32Array(n + 1).fill(-1);
    score[0] = 0;
    for (let start = 0; start < n; start++) {
      const base = score[start] as number;
      if (base === Number.NEGATIVE_INFINITY) continue;
      let piece = '';
      let singleChar = false;
      for (let len = 1; len <= Math.min(this.maxPieceChars, n - start); len++) {
        piece += chars[start + len - 1];
        const id = this.ids.get(piece);
        if (id === undefined) continue;
        if (len === 1) singleChar = true;
        const s = base + (id === this.unkId ? this.unkScore : (this.pieces[id] as UnigramPiece)[1]);
        if (s > (score[start + len] as number)) {
          score[start + len] = s;
          from[start + len] = start;
          idAt[start + len] = id;
        }
      }
      if (!singleChar) {
        const s = base + this.unkScore;
        if (s > (score[start + 1] as number)) {
          score[start + 1] = s;
          from[start + 1] = start;
          idAt[start + 1] = -1;
        }
      }
    }
    const out: { piece: string; id: number | undefined }[] = [];
    for (let end = n; end > 0; end = from[end] as number) {
      const start = from[end] as number;
      const piece = chars.slice(start, end).join('');
      const id = idAt[end] as number;
      const prev = out[out.length - 1];
      if (id < 0 && prev !== undefined && prev.id === undefined) prev.piece = piece + prev.piece;
      else out.push({ piece, id: id < 0 ? undefined : id });
    }
    return out.reverse();
  }

  /** Ids of `word`'s pieces, unknown runs spelled as byte pieces or `unk`. */
  tokenize(word: string): number[] {
    const ids: number[] = [];
    for (const { piece, id } of this.segment(word)) {
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      if (this.byteFallback) {
        const bytes = bytePieces(piece).map((b) => this.ids.get(b));
        if (bytes.every((b) => b !== undefined)) {
          ids.push(...(bytes as number[]));
          continue;
        }
      }
      if (this.unkId === undefined) {
        throw new Error(`unigram: '${piece}' is not in the vocabulary and the model has no unk_id`);
      }
      ids.push(this.unkId);
    }
    return ids;
  }
}
