import { getRng, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import {
  disposeSeq2SeqCache,
  reorderSeq2SeqCache,
  type Seq2SeqCache,
} from '../models/seq2seq/seq2seq-cache.js';
import type { Seq2SeqLm } from '../models/seq2seq/seq2seq-lm.js';
import { BeamSearch, type BeamSearchOptions } from './beam-search.js';
import { type LogitsProcessorOptions, processLogits } from './logits-processors.js';
import { chooseToken, type SamplingOptions } from './sampling.js';

/** Options of `generateSeq2Seq` (HF `generate` names in camelCase; ids default to the model's). */
export interface Seq2SeqGenerateOptions extends SamplingOptions, LogitsProcessorOptions, BeamSearchOptions {
  /** HF `max_length`: decoder length including the start token (default 20). */
  maxLength?: number;
  /** Overrides `maxLength` with `maxNewTokens + 1`. */
  maxNewTokens?: number;
  /** Beams (default 1: greedy or sampling). */
  numBeams?: number;
  decoderStartTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
  /** Seed for sampling; default: peftkit's process generator (`setSeed`). */
  seed?: number;
  /**
   * Sequences returned per source (HF `num_return_sequences`, default 1): the best `n` beams, or
   * `n` samples with `doSample`. Rows come source by source (`b * n + k`).
   */
  numReturnSequences?: number;
}

/** A padded source batch: ids and mask `[B, S]` (right padding). */
export function padSources(
  sources: readonly (readonly number[])[],
  padTokenId: number,
): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  if (sources.some((s) => s.length === 0))
    throw new Error('generateSeq2Seq: every source needs at least one token');
  const len = Math.max(...sources.map((s) => s.length));
  const ids = new Int32Array(sources.length * len).fill(padTokenId);
  const mask = new Int32Array(sources.length * len);
  sources.forEach((s, i) => {
    ids.set(s, i * len);
    mask.fill(1, i * len, i * len + s.length);
  });
  return {
    ids: tf.tensor2d(ids, [sources.length, len], 'int32'),
    mask: tf.tensor2d(mask, [sources.length, len], 'int32'),
  };
}

/**
 * Generates target tokens for each source with an encoder-decoder: the encoder runs once, the
 * decoder one token per step with its key/value cache. Greedy by default; `doSample` samples
 * (temperature, top-k, top-p); `numBeams > 1` runs HF's beam search (length penalty, early
 * stopping). Processors: `minLength`, `noRepeatNgramSize`, forced BOS/EOS. Returns each row's
 * generated tokens without the start token, ending with the end-of-sequence token when one was
 * produced (no padding).
 *
 * @example const out = generateSeq2Seq(t5, [tok.encodeIds('translate English to German: hello')], { numBeams: 4 });
 */
export function generateSeq2Seq(
  model: Seq2SeqLm,
  sources: readonly (readonly number[])[],
  options: Seq2SeqGenerateOptions = {},
): number[][] {
  if (sources.length === 0) return [];
  const ids = model.tokenIds;
  const o = {
    ...options,
    maxLength: options.maxNewTokens !== undefined ? options.maxNewTokens + 1 : (options.maxLength ?? 20),
    forcedBosTokenId: options.forcedBosTokenId ?? ids.forcedBosTokenId,
    forcedEosTokenId: options.forcedEosTokenId ?? ids.forcedEosTokenId,
  };
  if (!Number.isInteger(o.maxLength) || o.maxLength < 1) {
    throw new Error(`generateSeq2Seq: maxLength must be an integer >= 1, got ${o.maxLength}`);
  }
  const numBeams = options.numBeams ?? 1;
  if (!Number.isInteger(numBeams) || numBeams < 1)
    throw new Error(`generateSeq2Seq: numBeams must be >= 1, got ${numBeams}`);
  const returned = options.numReturnSequences ?? 1;
  if (!Number.isInteger(returned) || returned < 1)
    throw new Error(`generateSeq2Seq: numReturnSequences must be >= 1, got ${returned}`);
  if (returned > 1 && numBeams === 1 && !options.doSample)
    throw new Error('generateSeq2Seq: numReturnSequences > 1 needs beam search (numBeams) or doSample');
  if (returned > numBeams && numBeams > 1)
    throw new Error(
      `generateSeq2Seq: numReturnSequences (${returned}) must not exceed numBeams (${numBeams})`,
    );
  // Sampling several sequences per source: each source repeated (HF's expand), one sample each.
  const rows =
    numBeams === 1 && returned > 1
      ? sources.flatMap((s) => Array.from({ length: returned }, () => s))
      : sources;
  const start = options.decoderStartTokenId ?? ids.decoderStartTokenId;
  const eos = options.eosTokenId ?? ids.eosTokenId;
  const pad = options.padTokenId ?? ids.padTokenId;
  const wasTraining = model.training;
  model.eval();
  const { ids: src, mask } = padSources(rows, pad);
  try {
    const run = { model, src, mask, start, eos, pad, options: o };
    return numBeams > 1 ? beamGenerate(run, numBeams, returned) : stepGenerate(run, options.seed);
  } finally {
    src.dispose();
    mask.dispose();
    model.train(wasTraining);
  }
}

interface Run {
  model: Seq2SeqLm;
  src: tf.Tensor2D;
  mask: tf.Tensor2D;
  start: number;
  eos: number;
  pad: number;
  options: Seq2SeqGenerateOptions & { maxLength: number };
}

/**
 * Runs the decoder on `last` `[N, 1]` and returns the last position's scores per row (log-softmax
 * for beams) and the new cache; the old cache is disposed.
 */
function decodeStep(
  run: Run,
  last: number[],
  encoder: { hidden: tf.Tensor; mask: tf.Tensor },
  cache: Seq2SeqCache | undefined,
  logSoftmax: boolean,
): { rows: Float32Array[]; cache: Seq2SeqCache } {
  const n = last.length;
  const out = tf.tidy(() => {
    const input = tf.tensor2d(last, [n, 1], 'int32');
    const r = run.model.decode(
      input,
      cache
        ? { cache, encoderMask: encoder.mask }
        : { encoderHidden: encoder.hidden, encoderMask: encoder.mask },
    );
    const t = r.logits.shape[1] as number;
    let scores = tf.reshape(tf.slice(r.logits, [0, t - 1, 0], [n, 1, -1]), [n, -1]);
    if (logSoftmax) scores = tf.logSoftmax(scores);
    return { scores, cache: r.cache };
  });
  disposeSeq2SeqCache(cache);
  const flat = out.scores.dataSync() as Float32Array;
  out.scores.dispose();
  const v = flat.length / n;
  const rows = Array.from({ length: n }, (_, i) => flat.slice(i * v, (i + 1) * v));
  return { rows, cache: out.cache };
}

function stepGenerate(run: Run, seed: number | undefined): number[][] {
  const rng = seed !== undefined ? new Rng(seed) : getRng();
  const b = run.src.shape[0];
  const hidden = tf.tidy(() => run.model.encode(run.src, run.mask));
  const seqs = Array.from({ length: b }, () => [run.start]);
  const done = new Array<boolean>(b).fill(false);
  let cache: Seq2SeqCache | undefined;
  try {
    while ((seqs[0] as number[]).length < run.options.maxLength && !done.every(Boolean)) {
      const step = decodeStep(
        run,
        seqs.map((s) => s[s.length - 1] as number),
        { hidden, mask: run.mask },
        cache,
        false,
      );
      cache = step.cache;
      step.rows.forEach((row, i) => {
        const seq = seqs[i] as number[];
        if (done[i]) {
          seq.push(run.pad);
          return;
        }
        processLogits(
          row,
          { tokens: seq, eosTokenId: run.eos, maxLength: run.options.maxLength },
          run.options,
        );
        const token = chooseToken(row, run.options, rng);
        seq.push(token);
        if (token === run.eos) done[i] = true;
      });
    }
  } finally {
    disposeSeq2SeqCache(cache);
    hidden.dispose();
  }
  return seqs.map((s) => {
    const end = s.indexOf(run.eos, 1);
    return s.slice(1, end < 0 ? s.length : end + 1);
  });
}

function beamGenerate(run: Run, numBeams: number, returned: number): number[][] {
  const b = run.src.shape[0];
  // Every source repeated numBeams times (HF's expand), encoded once.
  const encoder = tf.tidy(() => {
    const rows = tf.tensor1d(
      Array.from({ length: b * numBeams }, (_, i) => Math.floor(i / numBeams)),
      'int32',
    );
    return { hidden: tf.gather(run.model.encode(run.src, run.mask), rows), mask: tf.gather(run.mask, rows) };
  });
  const search = new BeamSearch(b, numBeams, run.start, run.eos, run.pad, run.options);
  let cache: Seq2SeqCache | undefined;
  try {
    while (true) {
      const step = decodeStep(run, search.lastTokens(), encoder, cache, true);
      const picked = search.step(step.rows);
      if (search.finished) {
        disposeSeq2SeqCache(step.cache);
        cache = undefined;
        break;
      }
      const index = tf.tensor1d(picked, 'int32');
      cache = reorderSeq2SeqCache(step.cache, index, false);
      index.dispose();
      disposeSeq2SeqCache(step.cache);
    }
  } finally {
    disposeSeq2SeqCache(cache);
    encoder.hidden.dispose();
    encoder.mask.dispose();
  }
  return search.best(returned);
}
