import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeq2Seq } from '../heads/seq2seq-generation.js';
import { disposeSeq2SeqCache, type Seq2SeqCache } from '../models/seq2seq/seq2seq-cache.js';
import type { Seq2SeqLm } from '../models/seq2seq/seq2seq-lm.js';
import type { Seq2SeqOutputs, T5Inputs } from '../models/t5/model.js';

/** The committed PyTorch fixtures (`test-data/seq2seq`, written by make_t5_fixture.py / make_bart_fixture.py). */
export const SEQ2SEQ_FIXTURES = path.resolve(import.meta.dirname, '../../test-data/seq2seq');

/** An encoder-decoder as the parity checks drive it. */
export type Seq2SeqTestModel = Seq2SeqLm & {
  call(ids: tf.Tensor, inputs: T5Inputs): Seq2SeqOutputs;
  dispose(): void;
};

export interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  decoder_input_ids: number[][];
  encoder_shape: number[];
  encoder: number[];
  logits_shape: number[];
  logits: number[];
  greedy: { options: PyGen; tokens: number[][] };
  greedy_min_length: { options: PyGen; tokens: number[][] };
  beam: { options: PyGen; results: { tokens: number[]; score: number }[] }[];
}
export interface PyGen {
  max_length: number;
  eos: number;
  min_length?: number;
  no_repeat_ngram_size?: number;
  num_beams?: number;
  length_penalty?: number;
  early_stopping?: boolean;
}

export async function reference(variant: string): Promise<Reference> {
  return JSON.parse(
    await fs.readFile(path.join(SEQ2SEQ_FIXTURES, variant, 'reference.json'), 'utf8'),
  ) as Reference;
}

export function maxDiff(a: tf.Tensor, expected: number[]): number {
  const got = a.dataSync();
  let m = 0;
  for (let i = 0; i < expected.length; i++)
    m = Math.max(m, Math.abs((got[i] as number) - (expected[i] as number)));
  return m;
}

/** The reference's greedy rows end with padding after the end-of-sequence token; ours stop at it. */
export function untilEos(tokens: number[], eos: number): number[] {
  const end = tokens.indexOf(eos);
  return end < 0 ? tokens : tokens.slice(0, end + 1);
}

export function generationOptions(o: PyGen) {
  return {
    maxLength: o.max_length,
    ...(o.min_length !== undefined ? { minLength: o.min_length } : {}),
    ...(o.no_repeat_ngram_size !== undefined ? { noRepeatNgramSize: o.no_repeat_ngram_size } : {}),
    ...(o.num_beams !== undefined ? { numBeams: o.num_beams } : {}),
    ...(o.length_penalty !== undefined ? { lengthPenalty: o.length_penalty } : {}),
    ...(o.early_stopping !== undefined ? { earlyStopping: o.early_stopping } : {}),
  };
}

export function sources(ref: Reference): number[][] {
  return ref.input_ids.map((row, i) => row.filter((_, j) => ref.attention_mask[i]?.[j] === 1));
}

/**
 * The parity checks every encoder-decoder fixture runs: encoder output and teacher-forced logits
 * to 1e-4, cached step-by-step decoding equal to the full forward, greedy and beam generation equal
 * to the reference loops, and a flat tensor count across generation.
 */
export function describeSeq2SeqParity(
  variant: string,
  load: (dir: string) => Promise<Seq2SeqTestModel>,
  cacheShapes: { self: number[]; cross: number[] },
): void {
  describe(`${variant}: parity with the PyTorch reference`, () => {
    let model: Seq2SeqTestModel;
    let ref: Reference;

    beforeAll(async () => {
      ref = await reference(variant);
      model = await load(path.join(SEQ2SEQ_FIXTURES, variant));
      model.eval();
    });
    afterAll(() => model.dispose());

    it('encoder output and teacher-forced logits match to 1e-4', () => {
      const ids = tf.tensor2d(ref.input_ids, undefined, 'int32');
      const mask = tf.tensor2d(ref.attention_mask, undefined, 'int32');
      const dec = tf.tensor2d(ref.decoder_input_ids, undefined, 'int32');
      const out = model.call(ids, { attentionMask: mask, decoderInputIds: dec });
      expect(out.encoderLastHiddenState.shape).toEqual(ref.encoder_shape);
      expect(out.logits.shape).toEqual(ref.logits_shape);
      // Padded source positions are compared too: the reference computes them the same way.
      expect(maxDiff(out.encoderLastHiddenState, ref.encoder)).toBeLessThan(1e-4);
      expect(maxDiff(out.logits, ref.logits)).toBeLessThan(1e-4);
      tf.dispose([ids, mask, dec, out.logits, out.encoderLastHiddenState]);
    });

    it('decoding one token at a time with the cache gives the full forward logits', () => {
      const r = cachedDecode(model, ref);
      expect(r.selfKeyShape).toEqual(cacheShapes.self);
      expect(r.crossKeyShape).toEqual(cacheShapes.cross);
      expect(maxDiff(r.logits, ref.logits)).toBeLessThan(1e-4);
      r.logits.dispose();
      expect(r.leaked).toBe(0);
    });

    it('greedy generation (with min length and no-repeat n-gram) matches the reference', () => {
      for (const g of [ref.greedy, ref.greedy_min_length]) {
        const out = generateSeq2Seq(model, sources(ref), generationOptions(g.options));
        expect(out).toEqual(g.tokens.map((row) => untilEos(row, g.options.eos)));
      }
    });

    it('beam search matches the reference (length penalty, early stopping, processors)', () => {
      for (const b of ref.beam) {
        const out = generateSeq2Seq(model, sources(ref), generationOptions(b.options));
        expect(out).toEqual(b.results.map((r) => r.tokens));
      }
    });

    it('keeps the tensor count flat across greedy, sampled and beam generation', () => {
      const src = sources(ref);
      generateSeq2Seq(model, src, { maxLength: 4 });
      const before = tf.memory().numTensors;
      generateSeq2Seq(model, src, { maxLength: 8 });
      generateSeq2Seq(model, src, {
        maxLength: 8,
        doSample: true,
        topK: 5,
        topP: 0.9,
        temperature: 0.7,
        seed: 1,
      });
      generateSeq2Seq(model, src, { maxLength: 8, numBeams: 3 });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

/** What `cachedDecode` returns: the step logits concatenated, the first layer's cache key shapes, and tensors left behind. */
export interface CachedDecode {
  readonly logits: tf.Tensor;
  readonly selfKeyShape: readonly number[] | undefined;
  readonly crossKeyShape: readonly number[] | undefined;
  readonly leaked: number;
}

/**
 * Encodes `ref.input_ids` once, then decodes `ref.decoder_input_ids` one token per step through
 * the KV cache, as generation does; the caller compares `logits` with the teacher-forced forward.
 */
export function cachedDecode(
  model: Seq2SeqLm,
  ref: { input_ids: number[][]; attention_mask: number[][]; decoder_input_ids: number[][] },
): CachedDecode {
  const ids = tf.tensor2d(ref.input_ids, undefined, 'int32');
  const mask = tf.tensor2d(ref.attention_mask, undefined, 'int32');
  const before = tf.memory().numTensors;
  const encoderHidden = tf.tidy(() => model.encode(ids, mask));
  const steps: tf.Tensor[] = [];
  let cache: Seq2SeqCache | undefined;
  const t = ref.decoder_input_ids[0]?.length as number;
  for (let i = 0; i < t; i++) {
    const step = tf.tidy(() => {
      const col = tf.tensor2d(
        ref.decoder_input_ids.map((r) => [r[i] as number]),
        undefined,
        'int32',
      );
      return model.decode(col, cache ? { cache, encoderMask: mask } : { encoderHidden, encoderMask: mask });
    });
    disposeSeq2SeqCache(cache);
    cache = step.cache;
    steps.push(step.logits);
  }
  const selfKeyShape = cache?.self[0]?.key.shape;
  const crossKeyShape = cache?.cross[0]?.key.shape;
  const logits = tf.concat(steps, 1);
  disposeSeq2SeqCache(cache);
  tf.dispose([...steps, encoderHidden]);
  const leaked = tf.memory().numTensors - before - 1;
  tf.dispose([ids, mask]);
  return { logits, selfKeyShape, crossKeyShape, leaked };
}
