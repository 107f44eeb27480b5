import {
  AdamW,
  disposeGradients,
  getPeftModel,
  initBackend,
  memorySnapshot,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpeechEncoderOutput } from './common/encoder-output.js';
import { fixtureDir, fixtureIo, maxAbsDiff } from './testing/fixtures.js';
import { expectLoraTrains } from './testing/lora-step.js';
import { loadWav2Vec2 } from './wav2vec2/checkpoint.js';
import { wav2vec2Config } from './wav2vec2/config.js';
import { Wav2Vec2Model } from './wav2vec2/model.js';
import { wav2vec2Placement } from './wav2vec2/placement.js';
import { whisperConfig } from './whisper/config.js';
import { WhisperEncoder } from './whisper/model.js';
import { whisperPlacement } from './whisper/placement.js';

// The backend training runs use: the other model tests run on cpu for exact comparisons.
beforeAll(async () => {
  const report = await initBackend({ prefer: 'wasm' });
  expect(report.backend).toBe('wasm');
});

describe('speech encoders on the wasm backend', () => {
  it('reproduce the PyTorch reference (MMS fixture, padded batch) to 1e-4', async () => {
    const { model } = await loadWav2Vec2(fixtureDir('wav2vec2-mms-tiny'));
    const io = await fixtureIo('wav2vec2-mms-tiny');
    const out = (model.eval() as Wav2Vec2Model).call(io.get('input_values')!, {
      attentionMask: io.get('attention_mask')!,
    });
    expect(maxAbsDiff(out.lastHiddenState, io.get('last_hidden_state')!)).toBeLessThan(1e-4);
    tf.dispose([...io.values(), ...Object.values(out)]);
    model.dispose();
  });

  it('train LoRA on attn.q/attn.v (Whisper) without leaking', () => {
    setSeed(1);
    const cfg = whisperConfig({
      num_mel_bins: 8,
      d_model: 16,
      encoder_layers: 2,
      encoder_attention_heads: 2,
      encoder_ffn_dim: 32,
      max_source_positions: 12,
    });
    const x = tf.randomNormal([2, 8, 20], 0, 1, 'float32', 101);
    expectLoraTrains(new WhisperEncoder(cfg), whisperPlacement, x, undefined);
    x.dispose();
  });

  it('train conv LoRA on the wav2vec2 feature encoder (conv backprop kernels) without leaking', () => {
    setSeed(2);
    const cfg = wav2vec2Config({
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 16,
      conv_dim: [8, 8],
      conv_kernel: [4, 3],
      conv_stride: [3, 2],
      num_conv_pos_embeddings: 4,
      num_conv_pos_embedding_groups: 2,
    });
    const peft = getPeftModel(
      new Wav2Vec2Model(cfg),
      { peftType: 'LORA', r: 2, targetRoles: ['conv'] },
      { placement: wav2vec2Placement(cfg) },
    );
    const named = peft.namedParameters({ trainableOnly: true });
    const opt = new AdamW([{ params: named, lr: 0.05 }], { weightDecay: 0 });
    const wav = tf.randomNormal([2, 64], 0, 1, 'float32', 102);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { value, grads } = valueAndGrads(named, () =>
        tf.tidy(() => {
          const h = (peft.forward(wav) as SpeechEncoderOutput).lastHiddenState;
          return tf.mean(tf.square(tf.sub(tf.sum(tf.mul(h, tf.linspace(-1, 1, 16)), 2), 1))) as tf.Scalar;
        }),
      );
      // lora_A and lora_B of both feature-encoder convs receive a gradient.
      expect(grads.size).toBe(4);
      losses.push(value.dataSync()[0] as number);
      opt.step(grads);
      value.dispose();
      disposeGradients(grads);
      counts.push(memorySnapshot().numTensors);
    }
    expect(losses[2]).not.toBe(losses[0]);
    expect(counts[2]).toBe(counts[1]);
    opt.dispose();
    wav.dispose();
    peft.dispose();
  });
});
