import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, getPeftModel, type Linear, readSafetensorsHeader, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinusoids } from '../common/sinusoids.js';
import { fixtureDir, fixtureIo, maxAbsDiff, stateValues } from '../testing/fixtures.js';
import { expectLoraTrains } from '../testing/lora-step.js';
import { whisperArchitecture } from './architecture.js';
import { loadWhisperEncoder, saveWhisperEncoder } from './checkpoint.js';
import { whisperConfig, whisperConfigSchema } from './config.js';
import { WhisperEncoder, whisperOutputLength } from './model.js';
import { whisperPlacement } from './placement.js';

const TINY = whisperConfig({
  num_mel_bins: 8,
  d_model: 16,
  encoder_layers: 2,
  encoder_attention_heads: 2,
  encoder_ffn_dim: 32,
  max_source_positions: 12,
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-whisper-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('WhisperEncoder', () => {
  it('loads a full HF Whisper checkpoint (model.encoder.*, decoder ignored) and matches the PyTorch reference to 1e-4', async () => {
    const { model, config, prefix, ignored } = await loadWhisperEncoder(fixtureDir('whisper-tiny'));
    expect(prefix).toBe('model.encoder.');
    expect([...ignored].sort()).toEqual([
      'model.decoder.embed_positions.weight',
      'model.decoder.embed_tokens.weight',
      'model.decoder.layer_norm.bias',
      'model.decoder.layer_norm.weight',
    ]);
    expect(config).toMatchObject({ d_model: 16, encoder_layers: 2, max_source_positions: 12 });
    model.eval();
    const io = await fixtureIo('whisper-tiny');
    const enc = model as WhisperEncoder;
    for (const [input, expected] of [
      ['input_features', 'last_hidden_state'],
      ['short_input_features', 'short_last_hidden_state'],
    ] as const) {
      const out = enc.call(io.get(input)!);
      expect(out.lastHiddenState.shape).toEqual(io.get(expected)!.shape);
      expect(maxAbsDiff(out.lastHiddenState, io.get(expected)!), input).toBeLessThan(1e-4);
      tf.dispose(Object.values(out));
    }
    // A fresh sinusoid table equals the one PyTorch stored.
    const table = tf.tensor2d(sinusoids(12, 16), [12, 16]);
    expect(maxAbsDiff(table, model.stateDict().get('embed_positions.weight')!.value)).toBeLessThan(1e-6);
    tf.dispose([table, ...io.values()]);
    model.dispose();
  });

  it('accepts inputs shorter than 30 s and returns output lengths and a frame mask', () => {
    setSeed(1);
    const enc = new WhisperEncoder(TINY).eval();
    expect([1, 2, 15, 24].map(whisperOutputLength)).toEqual([1, 1, 8, 12]);
    const x = tf.randomNormal([2, 8, 15], 0, 1, 'float32', 101);
    const frameMask = tf.tensor2d([Array(15).fill(1), [...Array(9).fill(1), ...Array(6).fill(0)]]);
    const out = enc.call(x, { attentionMask: frameMask });
    expect(out.lastHiddenState.shape).toEqual([2, 8, 16]);
    expect(Array.from(out.outputLengths.dataSync())).toEqual([8, 5]);
    expect(out.outputLengths.dtype).toBe('int32');
    expect(Array.from(out.attentionMask.dataSync())).toEqual([
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0,
    ]);
    // Masked key positions do not reach the valid frames: scrambling frames 11.. (positions 6..,
    // beyond conv2's receptive field of frame 9) leaves row 1's first 5 outputs unchanged.
    const scrambled = tf.concat(
      [tf.slice(x, [0, 0, 0], [2, 8, 11]), tf.randomNormal([2, 8, 4], 0, 1, 'float32', 102)],
      2,
    );
    const again = enc.call(scrambled, { attentionMask: frameMask });
    const first5 = (t: tf.Tensor) => tf.slice(t, [1, 0, 0], [1, 5, 16]);
    expect(maxAbsDiff(first5(out.lastHiddenState), first5(again.lastHiddenState))).toBeLessThan(1e-6);
    const plain = enc.call(x);
    expect(Array.from(plain.outputLengths.dataSync())).toEqual([8, 8]);
    expect(plain.attentionMask.shape).toEqual([2, 8]);
    expect(Array.from(plain.attentionMask.dataSync()).every((v) => v === 1)).toBe(true);
    tf.dispose([
      x,
      frameMask,
      scrambled,
      ...Object.values(out),
      ...Object.values(again),
      ...Object.values(plain),
    ]);
    enc.dispose();
  });

  it('names the wrong input shape and too many frames', () => {
    const enc = new WhisperEncoder(TINY);
    const wrong = tf.zeros([1, 80, 24]);
    const long = tf.zeros([1, 8, 25]);
    expect(() => enc.call(wrong)).toThrow('inputFeatures must be [B, 8, frames]');
    expect(() => enc.call(long)).toThrow(
      '25 frames give 13 positions, more than max_source_positions 12 (24 frames)',
    );
    tf.dispose([wrong, long]);
    enc.dispose();
  });

  it('saves as encoder.* keys and reloads to identical weights and outputs', async () => {
    setSeed(2);
    const enc = new WhisperEncoder(TINY).eval();
    const dir = path.join(tmp, 'roundtrip');
    await saveWhisperEncoder(dir, enc, TINY);
    const header = await readSafetensorsHeader(path.join(dir, 'model.safetensors'));
    const names = header.entries.map((e) => e.name);
    expect(names).toContain('encoder.layers.1.self_attn.q_proj.weight');
    expect(names).not.toContain('encoder.layers.0.self_attn.k_proj.bias');
    expect(header.entries.find((e) => e.name === 'encoder.conv1.weight')?.shape).toEqual([16, 8, 3]);
    const written = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(written).toMatchObject({ model_type: 'whisper', d_model: 16, num_mel_bins: 8 });
    const { model: back } = await whisperArchitecture.loadCheckpoint(dir);
    expect(stateValues(back)).toEqual(stateValues(enc));
    back.eval();
    const x = tf.randomNormal([1, 8, 20], 0, 1, 'float32', 103);
    const a = enc.call(x);
    const b = (back as WhisperEncoder).call(x);
    expect(Array.from(b.lastHiddenState.dataSync())).toEqual(Array.from(a.lastHiddenState.dataSync()));
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    enc.dispose();
    back.dispose();
  });

  it('refuses another model_type and names mis-shaped tensors', async () => {
    await expect(
      loadWhisperEncoder(path.join(fixtureDir('whisper-tiny'), '..', 'hubert-tiny')),
    ).rejects.toThrow(/model_type is 'hubert', expected 'whisper'/);
    const enc = new WhisperEncoder({ ...TINY, encoder_ffn_dim: 24 });
    const dir = path.join(tmp, 'ffn24');
    await saveWhisperEncoder(dir, enc, TINY);
    await expect(loadWhisperEncoder(dir)).rejects.toThrow(
      /layers\.0\.fc1\.weight: file has \[24,16\], expected PyTorch-layout \[32,16\]/,
    );
    enc.dispose();
  });

  it('declares its roles at existing modules; k_proj has no bias; config is validated', () => {
    const enc = new WhisperEncoder(TINY);
    expect(checkPlacement(enc, whisperArchitecture.placement(TINY))).toEqual([]);
    expect(whisperPlacement.roles).toEqual(
      expect.arrayContaining(['attn.q', 'ffn.up', 'block.ffn', 'attention', 'conv']),
    );
    expect((enc.getSubmodule('layers.0.self_attn.k_proj') as Linear).bias).toBeUndefined();
    expect((enc.getSubmodule('layers.0.self_attn.q_proj') as Linear).bias).toBeDefined();
    expect(whisperArchitecture.outputFeatures?.(TINY)).toBe(16);
    expect(() => whisperConfigSchema.parse({ d_model: 16, encoder_attention_heads: 3 })).toThrow(
      'd_model (16) must be divisible by encoder_attention_heads (3)',
    );
    expect(() => whisperConfigSchema.parse({ d_modle: 16 })).toThrow();
    enc.dispose();
  });

  it('trains LoRA on attn.q/attn.v without touching the base or leaking tensors', () => {
    setSeed(3);
    const enc = new WhisperEncoder(TINY);
    const x = tf.randomNormal([2, 8, 16], 0, 1, 'float32', 104);
    const mask = tf.tensor2d([Array(16).fill(1), [...Array(10).fill(1), ...Array(6).fill(0)]]);
    const { wrapped } = expectLoraTrains(enc, whisperPlacement, x, mask);
    expect(wrapped).toEqual([
      'layers.0.self_attn.q_proj',
      'layers.0.self_attn.v_proj',
      'layers.1.self_attn.q_proj',
      'layers.1.self_attn.v_proj',
    ]);
    tf.dispose([x, mask]);
  });

  it('serves prefix tuning through the attention role, with a frame mask', () => {
    setSeed(4);
    const enc = new WhisperEncoder(TINY).eval();
    const x = tf.randomNormal([2, 8, 12], 0, 1, 'float32', 105);
    const mask = tf.tensor2d([Array(12).fill(1), [...Array(8).fill(1), ...Array(4).fill(0)]]);
    const before = enc.call(x, { attentionMask: mask });
    const peft = getPeftModel(
      enc,
      { peftType: 'PREFIX_TUNING', numVirtualTokens: 3 },
      { placement: whisperPlacement },
    );
    peft.eval();
    const after = peft.call(x, { attentionMask: mask }) as typeof before;
    expect(after.lastHiddenState.shape).toEqual([2, 6, 16]);
    expect(maxAbsDiff(after.lastHiddenState, before.lastHiddenState)).toBeGreaterThan(1e-4);
    tf.dispose([x, mask, ...Object.values(before), ...Object.values(after)]);
    peft.dispose();
  });
});
