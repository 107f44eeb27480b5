import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, getPeftModel, readSafetensorsHeader, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechArchitectures } from '../architectures.js';
import { speechPlacementDefaults } from '../placement-defaults.js';
import { maxAbsDiff, stateValues } from '../testing/fixtures.js';
import { expectLoraTrains } from '../testing/lora-step.js';
import { convTransformerArchitecture } from './architecture.js';
import { loadConvTransformer } from './checkpoint.js';
import { convTransformerConfig, convTransformerConfigSchema } from './config.js';
import { ConvTransformerEncoder, convTransformerOutputLength } from './model.js';
import { convTransformerPlacement } from './placement.js';

const SMALL = convTransformerConfig({
  num_mel_bins: 10,
  d_model: 16,
  encoder_layers: 2,
  encoder_attention_heads: 2,
  encoder_ffn_dim: 32,
  dropout: 0,
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-convtf-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('ConvTransformerEncoder', () => {
  it('has demo-sized defaults and validates its config', () => {
    const c = convTransformerConfig();
    expect(c).toMatchObject({
      d_model: 144,
      encoder_layers: 4,
      encoder_attention_heads: 4,
      encoder_ffn_dim: 576,
    });
    const model = new ConvTransformerEncoder(c);
    // conv stem 80*144*3 + 144*144*3 + biases; 4 layers of 4*144*145 + 2*144*576 + 576 + 144 + 4*144; final norm.
    expect(model.numParameters()).toBe(34704 + 62352 + 4 * (83520 + 165888 + 720 + 576) + 288);
    model.dispose();
    expect(() => convTransformerConfigSchema.parse({ d_model: 10, encoder_attention_heads: 4 })).toThrow(
      'd_model (10) must be divisible by encoder_attention_heads (4)',
    );
    expect(() => convTransformerConfigSchema.parse({ layers: 2 })).toThrow();
  });

  it('subsamples frames by 4 and returns lengths and a frame mask', () => {
    setSeed(1);
    expect([1, 4, 5, 100, 101].map(convTransformerOutputLength)).toEqual([1, 1, 2, 25, 26]);
    const model = new ConvTransformerEncoder(SMALL).eval();
    const x = tf.randomNormal([2, 10, 37], 0, 1, 'float32', 101);
    const mask = tf.tensor2d([Array(37).fill(1), [...Array(20).fill(1), ...Array(17).fill(0)]]);
    const out = model.call(x, { attentionMask: mask });
    expect(out.lastHiddenState.shape).toEqual([2, 10, 16]);
    expect(Array.from(out.outputLengths.dataSync())).toEqual([10, 5]);
    expect(Array.from(out.attentionMask.dataSync())).toEqual([
      ...Array(10).fill(1),
      ...Array(5).fill(1),
      ...Array(5).fill(0),
    ]);
    // Longer than any table built so far: positions are computed, not stored.
    const long = tf.randomNormal([1, 10, 900], 0, 1, 'float32', 102);
    const outLong = model.call(long);
    expect(outLong.lastHiddenState.shape).toEqual([1, 225, 16]);
    const wrong = tf.zeros([1, 37, 10]);
    expect(() => model.call(wrong)).toThrow('inputFeatures must be [B, 10, frames]');
    tf.dispose([x, mask, long, wrong, ...Object.values(out), ...Object.values(outLong)]);
    model.dispose();
  });

  it('saves and reloads bit-exact through the architecture', async () => {
    setSeed(2);
    const model = new ConvTransformerEncoder(SMALL).eval();
    const dir = path.join(tmp, 'base');
    await convTransformerArchitecture.saveCheckpoint(dir, model, SMALL);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(json).toMatchObject({ model_type: 'speech/conv-transformer', d_model: 16 });
    const header = await readSafetensorsHeader(path.join(dir, 'model.safetensors'));
    expect(header.entries.find((e) => e.name === 'layers.1.fc1.weight')?.shape).toEqual([32, 16]);
    const { model: back, config } = await loadConvTransformer(dir);
    expect(config).toEqual(SMALL);
    expect(stateValues(back)).toEqual(stateValues(model));
    const x = tf.randomNormal([1, 10, 16], 0, 1, 'float32', 103);
    const a = model.call(x);
    const b = (back.eval() as ConvTransformerEncoder).call(x);
    expect(maxAbsDiff(a.lastHiddenState, b.lastHiddenState)).toBe(0);
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    model.dispose();
    back.dispose();
  });

  it('declares its roles at existing modules and trains LoRA on attn.q/attn.v without leaking', () => {
    setSeed(3);
    const model = new ConvTransformerEncoder({ ...SMALL, dropout: 0.1 });
    expect(checkPlacement(model, convTransformerPlacement)).toEqual([]);
    const x = tf.randomNormal([2, 10, 24], 0, 1, 'float32', 104);
    const mask = tf.tensor2d([Array(24).fill(1), [...Array(13).fill(1), ...Array(11).fill(0)]]);
    const { wrapped } = expectLoraTrains(model, convTransformerPlacement, x, mask);
    expect(wrapped).toEqual([
      'layers.0.self_attn.q_proj',
      'layers.0.self_attn.v_proj',
      'layers.1.self_attn.q_proj',
      'layers.1.self_attn.v_proj',
    ]);
    tf.dispose([x, mask]);
  });

  it('takes Pfeiffer bottleneck adapters at block.ffn and IA3 at attn.k/attn.v/ffn.down', () => {
    setSeed(4);
    for (const [config, count] of [
      [{ peftType: 'BOTTLENECK', variant: 'pfeiffer' }, 2],
      [{ peftType: 'IA3', targetRoles: ['attn.k', 'attn.v', 'ffn.down'], feedforwardModules: ['fc2'] }, 6],
    ] as const) {
      const peft = getPeftModel(new ConvTransformerEncoder(SMALL), config, {
        placement: convTransformerPlacement,
      });
      const adapted = [...peft.model.namedModules()].filter(([, m]) =>
        ['BottleneckLayer', 'Ia3Layer'].includes(m.typeName),
      );
      expect(adapted, config.peftType).toHaveLength(count);
      peft.dispose();
    }
  });
});

describe('speech architectures', () => {
  it('each builds from its default-filled config with a valid placement, and has placement defaults', () => {
    const small: Record<string, Record<string, unknown>> = {
      whisper: {
        num_mel_bins: 8,
        d_model: 16,
        encoder_layers: 1,
        encoder_attention_heads: 2,
        encoder_ffn_dim: 16,
      },
      wav2vec2: {
        hidden_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
        conv_dim: [8],
        conv_kernel: [4],
        conv_stride: [3],
        num_conv_pos_embeddings: 4,
        num_conv_pos_embedding_groups: 2,
      },
      hubert: {
        hidden_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
        conv_dim: [8],
        conv_kernel: [4],
        conv_stride: [3],
        num_conv_pos_embeddings: 4,
        num_conv_pos_embedding_groups: 2,
      },
      'speech/conv-transformer': {
        num_mel_bins: 8,
        d_model: 16,
        encoder_layers: 1,
        encoder_attention_heads: 2,
        encoder_ffn_dim: 16,
      },
    };
    expect(speechArchitectures.map((a) => a.id)).toEqual(Object.keys(small));
    expect(speechPlacementDefaults.map((d) => d.architecture)).toEqual(Object.keys(small));
    for (const arch of speechArchitectures) {
      const config = arch.configSchema.parse(small[arch.id]);
      const model = arch.build(config);
      const placement = arch.placement(config);
      expect(placement.architecture).toBe(arch.id);
      expect(checkPlacement(model, placement), arch.id).toEqual([]);
      expect(arch.outputFeatures?.(config)).toBe(16);
      model.dispose();
    }
  });
});
