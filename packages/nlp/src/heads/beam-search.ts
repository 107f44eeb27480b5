import { type LogitsProcessorOptions, processLogits } from './logits-processors.js';

/** Beam-search options (HF names in camelCase). */
export interface BeamSearchOptions {
  /** Finished hypotheses score `sum(logprobs) / length ** lengthPenalty` (default 1). */
  lengthPenalty?: number;
  /**
   * Stop a source as soon as `numBeams` hypotheses are finished (true), or only when no running
   * beam can beat the worst finished one (false, the default; HF's heuristic).
   */
  earlyStopping?: boolean;
}

/** The finished hypotheses of one source, at most `size`, with the worst score (HF's `BeamHypotheses`). */
class Hypotheses {
  readonly beams: { score: number; tokens: number[]; eos: boolean }[] = [];
  private worst = 1e9;

  constructor(
    private readonly size: number,
    private readonly lengthPenalty: number,
    private readonly early: boolean,
  ) {}

  add(tokens: number[], logprob: number, generated: number, eos: boolean): void {
    const score = logprob / generated ** this.lengthPenalty;
    if (this.beams.length < this.size || score > this.worst) {
      this.beams.push({ score, tokens, eos });
      if (this.beams.length > this.size) {
        const ranked = this.beams
          .map((h, i) => [h.score, i] as const)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice((ranked[0] as readonly [number, number])[1], 1);
        this.worst = (ranked[1] as readonly [number, number])[0];
      } else {
        this.worst = Math.min(score, this.worst);
      }
    }
  }

  isDone(bestRunning: number, generated: number): boolean {
    if (this.beams.length < this.size) return false;
    if (this.early) return true;
    return this.worst >= bestRunning / generated ** this.lengthPenalty;
  }
}

/**
 * Beam search over `batch * numBeams` rows (beams of a source are adjacent), following HF's
 * `BeamSearchScorer`: each step takes the top `2 * numBeams` continuations of a source over all
 * its beams, finished ones (end-of-sequence within the top `numBeams`) go to the source's
 * hypotheses, the best `numBeams` others run on. Scores are summed log-probabilities after the
 * logits processors. The model side (decoder, cache reordering) is the caller's.
 */
export class BeamSearch {
  private seqs: number[][];
  private scores: number[];
  private readonly hyps: Hypotheses[];
  private readonly done: boolean[];
  private stopped = false;

  constructor(
    private readonly batch: number,
    private readonly numBeams: number,
    start: number,
    private readonly eos: number,
    private readonly pad: number,
    private readonly options: BeamSearchOptions & LogitsProcessorOptions & { maxLength: number },
  ) {
    this.seqs = Array.from({ length: batch * numBeams }, () => [start]);
    // Only the first beam of each source is live at the start, so the beams do not all pick the same token.
    this.scores = Array.from({ length: batch * numBeams }, (_, i) => (i % numBeams === 0 ? 0 : -1e9));
    this.hyps = Array.from(
      { length: batch },
      () => new Hypotheses(numBeams, options.lengthPenalty ?? 1, options.earlyStopping ?? false),
    );
    this.done = new Array<boolean>(batch).fill(false);
  }

  /** True once every source is done or the length limit is reached. */
  get finished(): boolean {
    return this.stopped;
  }

  /** The last token of every row (the next decoder input). */
  lastTokens(): number[] {
    return this.seqs.map((s) => s[s.length - 1] as number);
  }

  /**
   * Advances by one token given each row's log-probabilities (`[batch * numBeams]` rows of
   * vocabulary size; processed in place). Returns, per new row, the old row it continues (the
   * cache's reorder index).
   */
  step(logprobs: Float32Array[]): number[] {
    const k = this.numBeams;
    const curLen = (this.seqs[0] as number[]).length;
    const { maxLength } = this.options;
    const nextSeqs: number[][] = [];
    const nextScores: number[] = [];
    const origin: number[] = [];
    for (let b = 0; b < this.batch; b++) {
      if (this.done[b]) {
        for (let j = 0; j < k; j++) {
          nextSeqs.push([...(this.seqs[b * k] as number[]), this.pad]);
          nextScores.push(0);
          origin.push(b * k);
        }
        continue;
      }
      const top = this.topContinuations(logprobs, b, 2 * k);
      let chosen = 0;
      for (let rank = 0; rank < top.length && chosen < k; rank++) {
        const { row, token, score } = top[rank] as { row: number; token: number; score: number };
        const src = this.seqs[row] as number[];
        if (token === this.eos) {
          if (rank >= k) continue;
          this.hyps[b]?.add([...src], score, curLen, true);
        } else {
          nextSeqs.push([...src, token]);
          nextScores.push(score);
          origin.push(row);
          chosen += 1;
        }
      }
      const best = (top[0] as { score: number }).score;
      this.done[b] = this.done[b] || (this.hyps[b] as Hypotheses).isDone(best, curLen);
    }
    this.seqs = nextSeqs;
    this.scores = nextScores;
    if (this.done.every(Boolean) || curLen + 1 >= maxLength) this.stopped = true;
    return origin;
  }

  /** The top `n` (row, token, score) of source `b` over all its beams, best first. */
  private topContinuations(logprobs: Float32Array[], b: number, n: number) {
    const k = this.numBeams;
    const top: { row: number; token: number; score: number }[] = [];
    for (let j = 0; j < k; j++) {
      const row = b * k + j;
      const lp = logprobs[row] as Float32Array;
      const seq = this.seqs[row] as number[];
      processLogits(
        lp,
        { tokens: seq, eosTokenId: this.eos, maxLength: this.options.maxLength },
        this.options,
      );
      const base = this.scores[row] as number;
      for (let t = 0; t < lp.length; t++) {
        // float32 addition, as the reference adds the running score to a float32 tensor.
        const score = Math.fround((lp[t] as number) + base);
        if (top.length === n && score <= (top[n - 1] as { score: number }).score) continue;
        let at = top.length;
        while (at > 0 && (top[at - 1] as { score: number }).score < score) at--;
        top.splice(at, 0, { row, token: t, score });
        if (top.length > n) top.pop();
      }
    }
    return top;
  }

  /**
   * The best `n` hypotheses of each source, best first, flattened source by source (HF's
   * `num_return_sequences` layout: rows `b * n .. b * n + n - 1` belong to source `b`). Unfinished
   * beams are added first, as HF's `finalize`. `n` must not exceed `numBeams`.
   */
  best(n = 1): number[][] {
    if (!Number.isInteger(n) || n < 1 || n > this.numBeams) {
      throw new Error(`beam search: numReturnSequences must be 1..numBeams (${this.numBeams}), got ${n}`);
    }
    return this.hyps.flatMap((hyps, b) => {
      if (!this.done[b]) {
        for (let j = 0; j < this.numBeams; j++) {
          const seq = this.seqs[b * this.numBeams + j] as number[];
          hyps.add([...seq], this.scores[b * this.numBeams + j] as number, seq.length - 1, false);
        }
      }
      const ranked = [...hyps.beams].sort((x, y) => y.score - x.score).slice(0, n);
      while (ranked.length < n) ranked.push({ score: -Infinity, tokens: [0], eos: false });
      return ranked.map((top) => {
        const tokens = top.tokens.slice(1);
        return top.eos ? [...tokens, this.eos] : tokens;
      });
    });
  }
}
