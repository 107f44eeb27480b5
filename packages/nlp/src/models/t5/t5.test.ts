import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkPlacement,
  getPeftModel,
  initBackend,
  PeftModel,
  readSafetensorsHeader,
  setSeed,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeq2Seq } from '../../heads/seq2seq-generation.js';
import { disposeSeq2SeqCache, type Seq2SeqCache } from '../seq2seq/seq2seq-cache.js';
import { loadT5Checkpoint, saveT5Checkpoint } from './checkpoint.js';
import { t5Config } from './config.js';
import { T5ForConditionalGeneration } from './model.js';
import { t5Placement } from './placement.js';
import { relativePositionBucket } from './relative-position.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test-data/seq2seq');

interface Reference {
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
interface PyGen {
  max_length: number;
  eos: number;
  min_length?: number;
  no_repeat_ngram_size?: number;
  num_beams?: number;
  length_penalty?: number;
  early_stopping?: boolean;
}

const VARIANTS = ['t5-v1_0', 't5-v1_1'] as const;
let tmp: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-t5-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function reference(variant: string): Promise<Reference> {
  return JSON.parse(await fs.readFile(path.join(FIXTURES, variant, 'reference.json'), 'utf8')) as Reference;
}

function maxDiff(a: tf.Tensor, expected: number[]): number {
  const got = a.dataSync();
  let m = 0;
  for (let i = 0; i < expected.length; i++)
    m = Math.max(m, Math.abs((got[i] as number) - (expected[i] as number)));
  return m;
}

/** The reference's greedy rows end with padding after the end-of-sequence token; ours stop at it. */
function untilEos(tokens: number[], eos: number): number[] {
  const end = tokens.indexOf(eos);
  return end < 0 ? tokens : tokens.slice(0, end + 1);
}

function generationOptions(o: PyGen) {
  return {
    maxLength: o.max_length,
    ...(o.min_length !== undefined ? { minLength: o.min_length } : {}),
    ...(o.no_repeat_ngram_size !== undefined ? { noRepeatNgramSize: o.no_repeat_ngram_size } : {}),
    ...(o.num_beams !== undefined ? { numBeams: o.num_beams } : {}),
    ...(o.length_penalty !== undefined ? { lengthPenalty: o.length_penalty } : {}),
    ...(o.early_stopping !== undefined ? { earlyStopping: o.early_stopping } : {}),
  };
}

function sources(ref: Reference): number[][] {
  return ref.input_ids.map((row, i) => row.filter((_, j) => ref.attention_mask[i]?.[j] === 1));
}

describe('T5 relative position buckets', () => {
  it('match HF on exact, logarithmic and clamped distances', () => {
    // Expected values from the fixture script's torch `bucket` (HF's formula). Bidirectional,
    // 32 buckets, max distance 128 (t5-small): halves of 16, 8 exact.
    expect(
      [0, -1, -7, -8, -12, -20, -127, -500].map((r) => relativePositionBucket(r, true, 32, 128)),
    ).toEqual([0, 1, 7, 8, 9, 10, 15, 15]);
    expect([1, 7, 8, 200].map((r) => relativePositionBucket(r, true, 32, 128))).toEqual([17, 23, 24, 31]);
    // causal: keys after the query share bucket 0.
    expect([5, 0, -3, -16, -40].map((r) => relativePositionBucket(r, false, 32, 128))).toEqual([
      0, 0, 3, 16, 23,
    ]);
  });
});

describe.each(VARIANTS)('T5 parity with the PyTorch reference (%s)', (variant) => {
  let model: T5ForConditionalGeneration;
  let ref: Reference;

  beforeAll(async () => {
    ref = await reference(variant);
    model = (await loadT5Checkpoint(path.join(FIXTURES, variant))).model;
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
    expect(cache?.self[0]?.key.shape).toEqual([2, 3, t, 6]);
    expect(cache?.cross[0]?.key.shape).toEqual([2, 3, 8, 6]);
    const all = tf.concat(steps, 1);
    expect(maxDiff(all, ref.logits)).toBeLessThan(1e-4);
    disposeSeq2SeqCache(cache);
    tf.dispose([...steps, all, encoderHidden]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, mask]);
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

describe('T5 model, placement and LoRA', () => {
  const tiny = t5Config({
    vocab_size: 30,
    d_model: 16,
    d_kv: 4,
    d_ff: 24,
    num_layers: 2,
    num_heads: 4,
    relative_attention_num_buckets: 8,
    dropout_rate: 0,
  });

  it('sampling is reproducible with a seed and respects maxNewTokens', () => {
    setSeed(4);
    const model = new T5ForConditionalGeneration(tiny).eval();
    const opts = { maxNewTokens: 6, doSample: true, temperature: 1.5, seed: 7 };
    const a = generateSeq2Seq(
      model,
      [
        [3, 4, 5],
        [6, 7],
      ],
      opts,
    );
    const b = generateSeq2Seq(
      model,
      [
        [3, 4, 5],
        [6, 7],
      ],
      opts,
    );
    expect(a).toEqual(b);
    for (const row of a) expect(row.length).toBeLessThanOrEqual(6);
    model.dispose();
  });

  it('declares every placement path, with cross-attention as xattn.* roles', () => {
    setSeed(1);
    const gated = t5Config({ ...tiny, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
    for (const config of [tiny, gated]) {
      const model = new T5ForConditionalGeneration(config);
      const placement = t5Placement(config);
      expect(checkPlacement(model, placement)).toEqual([]);
      expect(placement.modelRoles['xattn.v']).toEqual([
        'decoder.block.0.layer.1.EncDecAttention.v',
        'decoder.block.1.layer.1.EncDecAttention.v',
      ]);
      model.dispose();
    }
  });

  it('saves a checkpoint that loads back to the same logits', async () => {
    setSeed(3);
    const config = t5Config({ ...tiny, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
    const model = new T5ForConditionalGeneration(config).eval();
    const dir = path.join(tmp, 'ckpt');
    await saveT5Checkpoint(dir, model, config);
    const back = (await loadT5Checkpoint(dir)).model.eval();
    const ids = tf.tensor2d([[3, 4, 5, 1]], undefined, 'int32');
    const dec = tf.tensor2d([[0, 7, 8]], undefined, 'int32');
    const a = model.call(ids, { decoderInputIds: dec }).logits;
    const b = back.call(ids, { decoderInputIds: dec }).logits;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    tf.dispose([ids, dec, a, b]);
    model.dispose();
    back.dispose();
  });

  it('LoRA on q/v of self- and cross-attention saves HF PEFT keys and loads back exactly', async () => {
    setSeed(5);
    const model = new T5ForConditionalGeneration(tiny).eval();
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, loraAlpha: 4, targetRoles: ['attn.q', 'attn.v', 'xattn.q', 'xattn.v'] },
      { placement: t5Placement(tiny) },
    );
    for (const [name, p] of peft.namedParameters({ trainableOnly: true })) {
      if (name.includes('lora_B')) p.assign(tf.randomNormal(p.shape, 0, 0.5, 'float32', 3));
    }
    peft.eval();
    const dir = path.join(tmp, 'lora');
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const names = header.entries.map((e) => e.name);
    expect(names).toContain('base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight');
    expect(names).toContain('base_model.model.decoder.block.1.layer.1.EncDecAttention.v.lora_B.weight');
    // 2 + 2 self-attentions and 2 cross-attentions, q and v, A and B.
    expect(names).toHaveLength(6 * 2 * 2);
    const shapes = new Map(header.entries.map((e) => [e.name, e.shape]));
    expect(shapes.get('base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight')).toEqual([
      2, 16,
    ]);
    const config = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect(config.peft_type).toBe('LORA');

    setSeed(5); // the same draws: the same base weights
    const fresh = new T5ForConditionalGeneration(tiny);
    const loaded = await PeftModel.fromPretrained(fresh, dir);
    const saved = new Map(peft.namedParameters({ trainableOnly: true }).map(([n, p]) => [n, p.value]));
    const back = new Map(loaded.namedParameters().map(([n, p]) => [n, p.value]));
    for (const [name, value] of saved) {
      const other = back.get(name);
      expect(other, name).toBeDefined();
      expect(Array.from((other as tf.Tensor).dataSync())).toEqual(Array.from(value.dataSync()));
    }
    expect(
      generateSeq2Seq(loaded.model as T5ForConditionalGeneration, [[3, 4, 5, 1]], { maxLength: 6 }),
    ).toEqual(generateSeq2Seq(model, [[3, 4, 5, 1]], { maxLength: 6 }));
    peft.dispose();
    loaded.dispose();
  });
});
