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
import { describeSeq2SeqParity } from '../../testing/seq2seq-parity.js';
import { loadT5Checkpoint, saveT5Checkpoint } from './checkpoint.js';
import { t5Config } from './config.js';
import { T5ForConditionalGeneration } from './model.js';
import { t5Placement } from './placement.js';
import { relativePositionBucket } from './relative-position.js';

const VARIANTS = ['t5-v1_0', 't5-v1_1'] as const;
let tmp: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-t5-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

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

for (const variant of VARIANTS) {
  describeSeq2SeqParity(
    variant,
    async (dir) => (await loadT5Checkpoint(dir)).model.eval(),
    // [B, heads, decoder positions, d_kv] and [B, heads, source positions, d_kv]
    { self: [2, 3, 7, 6], cross: [2, 3, 8, 6] },
  );
}

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

  it('an adapter on the shared embedding reaches both stacks; bottleneck adapters are refused by name', () => {
    setSeed(6);
    const model = new T5ForConditionalGeneration(tiny).eval();
    const ids = tf.tensor2d([[3, 4, 5, 1]], undefined, 'int32');
    const dec = tf.tensor2d([[0, 7, 8]], undefined, 'int32');
    const before = model.call(ids, { decoderInputIds: dec }).logits;
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetRoles: ['embed'] },
      { placement: t5Placement(tiny) },
    );
    const trainable = peft.namedParameters({ trainableOnly: true });
    expect(trainable.length).toBe(2);
    // Embedding LoRA starts with one factor at zero (as HF): make both non-zero.
    for (const [, p] of trainable) p.assign(tf.randomNormal(p.shape, 0, 0.5, 'float32', 3));
    peft.eval();
    const after = model.call(ids, { decoderInputIds: dec }).logits;
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeGreaterThan(1e-3);
    peft.dispose();
    // Bottleneck adapters need `block` roles the placement does not declare.
    const fresh = new T5ForConditionalGeneration(tiny);
    expect(() =>
      getPeftModel(
        fresh,
        { peftType: 'BOTTLENECK', targetRoles: ['ffn.down'] },
        { placement: t5Placement(tiny) },
      ),
    ).toThrow(/architecture 't5' does not support BOTTLENECK/);
    fresh.dispose();
    tf.dispose([ids, dec, before, after]);
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
