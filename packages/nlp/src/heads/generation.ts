import { getRng, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { disposeKvCache, type KvCache } from '../models/gpt2/kv-cache.js';
import type { CausalLmModel } from '../models/task/causal-lm.js';
import { chooseToken, type SamplingOptions } from './sampling.js';

export interface GenerateOptions extends SamplingOptions {
  /** Tokens to add to each prompt (default 20). */
  maxNewTokens?: number;
  /** A row stops after emitting one of these (the stop token is kept in the output). */
  stopTokens?: readonly number[];
  /** Fills finished rows and left-pads shorter prompts. */
  padTokenId: number;
  /** Seed for sampling; default: peftkit's process generator (`setSeed`). */
  seed?: number;
}

/**
 * Autoregressive generation with a KV cache: prompts are left-padded into one batch, the first
 * step runs the whole prompt, each later step one token per row. Greedy unless `doSample`;
 * sampling uses temperature, top-k and top-p with a seeded generator. Returns the new tokens of
 * each row (without the prompt), stopping at `maxNewTokens` or a stop token.
 *
 * @example
 * const out = generate(lm, [tok.encodeIds('Once upon')], { maxNewTokens: 10, padTokenId: tok.padId });
 * tok.decode(out[0]);
 */
export function generate(
  model: CausalLmModel,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): number[][] {
  const maxNew = options.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNew) || maxNew < 0)
    throw new Error(`generate: maxNewTokens must be >= 0, got ${maxNew}`);
  if (prompts.length === 0) return [];
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: every prompt needs at least one token');
  const rng = options.seed !== undefined ? new Rng(options.seed) : getRng();
  const stops = new Set(options.stopTokens ?? []);
  const b = prompts.length;
  const len = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(b * len).fill(options.padTokenId);
  const mask: number[][] = prompts.map((p) => [
    ...new Array<number>(len - p.length).fill(0),
    ...p.map(() => 1),
  ]);
  prompts.forEach((p, i) => {
    ids.set(p, i * len + len - p.length);
  });
  // Positions count real tokens only, so a left-padded row starts at 0 like an unpadded one.
  const nextPos = prompts.map((p) => p.length);
  const positions = mask.map((row) => {
    let c = -1;
    return row.map((m) => (m ? ++c : 0));
  });
  const wasTraining = model.training;
  model.eval();
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  let cache: KvCache | undefined;
  let input = tf.tensor2d(ids, [b, len], 'int32');
  let pos = tf.tensor2d(positions.flat(), [b, len], 'int32');
  try {
    for (let step = 0; step < maxNew && !done.every(Boolean); step++) {
      const maskT = tf.tensor2d(mask.flat(), [b, mask[0]?.length ?? 0], 'int32');
      const { last, next } = tf.tidy(() => {
        const r = model.step(input, { attentionMask: maskT, positionIds: pos, ...(cache ? { cache } : {}) });
        const t = r.logits.shape[1] as number;
        const lastLogits = tf.reshape(tf.slice(r.logits, [0, t - 1, 0], [b, 1, -1]), [b, -1]);
        return { last: lastLogits, next: r.cache };
      });
      maskT.dispose();
      disposeKvCache(cache);
      cache = next;
      const rows = last.arraySync() as number[][];
      last.dispose();
      const chosen = rows.map((row, i) => {
        if (done[i]) return options.padTokenId;
        const token = chooseToken(row, options, rng);
        (out[i] as number[]).push(token);
        if (stops.has(token)) done[i] = true;
        return token;
      });
      input.dispose();
      pos.dispose();
      input = tf.tensor2d(chosen, [b, 1], 'int32');
      pos = tf.tensor2d(
        nextPos.map((p, i) => {
          nextPos[i] = p + 1;
          return p;
        }),
        [b, 1],
        'int32',
      );
      for (const row of mask) row.push(1);
    }
  } finally {
    input.dispose();
    pos.dispose();
    disposeKvCache(cache);
    model.train(wasTraining);
  }
  return out;
}
