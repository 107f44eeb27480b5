import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, getPeftModel, initBackend, readSafetensorsHeader, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSeq2SeqParity } from '../../testing/seq2seq-parity.js';
import { loadBartCheckpoint, saveBartCheckpoint } from './checkpoint.js';
import { bartConfig, marianConfig } from './config.js';
import { BartForConditionalGeneration } from './model.js';
import { bartPlacement } from './placement.js';
import { marianSinusoidalPositions } from './positions.js';

let tmp: string;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-bart-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

for (const [variant, heads] of [
  ['bart', 2],
  ['marian', 2],
] as const) {
  describeSeq2SeqParity(variant, async (dir) => (await loadBartCheckpoint(dir)).model.eval(), {
    self: [2, heads, 7, 16 / heads],
    cross: [2, heads, 8, 16 / heads],
  });
}

const tiny = {
  vocab_size: 30,
  d_model: 16,
  encoder_layers: 2,
  decoder_layers: 1,
  encoder_attention_heads: 4,
  decoder_attention_heads: 4,
  encoder_ffn_dim: 24,
  decoder_ffn_dim: 24,
  max_position_embeddings: 32,
  dropout: 0,
};

/** Marian's default ids (58100) lie outside the tiny vocabulary. */
const marianTokens = { ...tiny, pad_token_id: 29, decoder_start_token_id: 29, eos_token_id: 0 };

describe('BART / Marian model and placement', () => {
  it('refuses token ids outside the vocabulary, naming the field', () => {
    expect(() => marianConfig(tiny)).toThrow(/pad_token_id \(58100\) must be below vocab_size \(30\)/);
  });

  it('Marian positions are the halves-of-sines-then-cosines table, continuing after a cache', () => {
    const all = marianSinusoidalPositions(0, 5, 6);
    const tail = marianSinusoidalPositions(3, 2, 6);
    const row3 = all.arraySync()[3] as number[];
    expect(row3[0]).toBeCloseTo(Math.sin(3), 6);
    expect(row3[3]).toBeCloseTo(Math.cos(3), 6);
    expect(row3[1]).toBeCloseTo(Math.sin(3 / 10000 ** (2 / 6)), 6);
    expect(tail.arraySync()[0]).toEqual(row3);
    tf.dispose([all, tail]);
  });

  it('declares every placement path; BART adds layernorm_embedding, Marian has no learned positions', () => {
    setSeed(1);
    for (const config of [bartConfig(tiny), marianConfig(marianTokens)]) {
      const model = new BartForConditionalGeneration(config);
      const placement = bartPlacement(config);
      expect(checkPlacement(model, placement)).toEqual([]);
      expect(placement.modelRoles['xattn.q']).toEqual(['model.decoder.layers.0.encoder_attn.q_proj']);
      const keys = [...model.stateDict().keys()];
      expect(keys.includes('model.encoder.embed_positions.weight')).toBe(config.model_type === 'bart');
      expect(keys).toContain('final_logits_bias');
      model.dispose();
    }
  });

  it('saves a Marian checkpoint that loads back to the same logits; model_type is checked', async () => {
    setSeed(2);
    const config = marianConfig({ ...marianTokens, scale_embedding: true, activation_function: 'swish' });
    const model = new BartForConditionalGeneration(config).eval();
    const dir = path.join(tmp, 'marian');
    await saveBartCheckpoint(dir, model, config);
    const back = (await loadBartCheckpoint(dir)).model.eval();
    const ids = tf.tensor2d([[3, 4, 5, 0]], undefined, 'int32');
    const dec = tf.tensor2d([[29, 7, 8]], undefined, 'int32');
    const a = model.call(ids, { decoderInputIds: dec }).logits;
    const b = back.call(ids, { decoderInputIds: dec }).logits;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    tf.dispose([ids, dec, a, b]);
    model.dispose();
    back.dispose();
    await fs.writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ ...config, share_encoder_decoder_embeddings: false }),
    );
    await expect(loadBartCheckpoint(dir)).rejects.toThrow(/share_encoder_decoder_embeddings/);
  });

  it('LoRA on self- and cross-attention q/v saves HF PEFT keys under model.', async () => {
    setSeed(3);
    const config = bartConfig(tiny);
    const model = new BartForConditionalGeneration(config);
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetRoles: ['attn.q', 'attn.v', 'xattn.q', 'xattn.v'] },
      { placement: bartPlacement(config) },
    );
    const dir = path.join(tmp, 'bart-lora');
    await peft.savePretrained(dir);
    const names = (await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'))).entries.map(
      (e) => e.name,
    );
    expect(names).toContain('base_model.model.model.encoder.layers.1.self_attn.v_proj.lora_A.weight');
    expect(names).toContain('base_model.model.model.decoder.layers.0.encoder_attn.q_proj.lora_B.weight');
    expect(names).toHaveLength((2 + 1 + 1) * 2 * 2);
    peft.dispose();
  });
});
