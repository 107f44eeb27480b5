import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, getPeftModel, readSafetensorsHeader, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, fixtureIo, maxAbsDiff, stateValues } from '../testing/fixtures.js';
import { expectLoraTrains } from '../testing/lora-step.js';
import { hubertArchitecture, wav2vec2Architecture } from './architecture.js';
import { legacyWeightNormKey, loadHubert, loadWav2Vec2, saveWav2Vec2Family } from './checkpoint.js';
import { hubertConfig, wav2vec2Config, wav2vec2ConfigSchema } from './config.js';
import { featureEncoderOutputLength } from './feature-encoder.js';
import { HubertModel, Wav2Vec2Model } from './model.js';
import { wav2vec2Placement } from './placement.js';

// layerdrop 0: a dropped layer's LoRA factors get no gradient, so AdamW would create their
// moment slots at a later step and the per-step tensor count would not be flat.
const TINY = {
  layerdrop: 0,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  conv_dim: [8, 8],
  conv_kernel: [4, 3],
  conv_stride: [3, 2],
  num_conv_pos_embeddings: 4,
  num_conv_pos_embedding_groups: 2,
};
const STABLE = wav2vec2Config({
  ...TINY,
  feat_extract_norm: 'layer',
  conv_bias: true,
  do_stable_layer_norm: true,
  adapter_attn_dim: 4,
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-w2v-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('wav2vec2 / HuBERT parity with the PyTorch reference', () => {
  it('wav2vec2-base layout (group norm, post-norm, Wav2Vec2ForCTC file, weight_g/weight_v) to 1e-4', async () => {
    const { model, prefix, ignored } = await loadWav2Vec2(fixtureDir('wav2vec2-base-tiny'));
    expect(prefix).toBe('wav2vec2.');
    expect([...ignored].sort()).toEqual(['lm_head.bias', 'lm_head.weight']);
    expect(model.stateDict().has('masked_spec_embed')).toBe(true);
    const io = await fixtureIo('wav2vec2-base-tiny');
    const out = (model.eval() as Wav2Vec2Model).call(io.get('input_values')!);
    expect(out.lastHiddenState.shape).toEqual([2, 10, 16]);
    expect(maxAbsDiff(out.lastHiddenState, io.get('last_hidden_state')!)).toBeLessThan(1e-4);
    expect(Array.from(out.outputLengths.dataSync())).toEqual([10, 10]);
    tf.dispose([...io.values(), ...Object.values(out)]);
    model.dispose();
  });

  it('MMS layout (layer-norm convs, stable layer norm, adapters, parametrized weight norm) with a padded batch to 1e-4', async () => {
    const { model } = await loadWav2Vec2(fixtureDir('wav2vec2-mms-tiny'));
    const io = await fixtureIo('wav2vec2-mms-tiny');
    const out = (model.eval() as Wav2Vec2Model).call(io.get('input_values')!, {
      attentionMask: io.get('attention_mask')!,
    });
    expect(Array.from(out.attentionMask.dataSync())).toEqual(Array.from(io.get('frame_mask')!.dataSync()));
    expect(Array.from(out.outputLengths.dataSync())).toEqual([10, 6]);
    expect(maxAbsDiff(out.lastHiddenState, io.get('last_hidden_state')!)).toBeLessThan(1e-4);
    tf.dispose([...io.values(), ...Object.values(out)]);
    model.dispose();
  });

  it('HuBERT (HubertModel file, no feature-projection norm, BatchNorm positional conv) to 1e-4', async () => {
    const { model, prefix } = await loadHubert(fixtureDir('hubert-tiny'));
    expect(prefix).toBe('');
    expect(model).toBeInstanceOf(HubertModel);
    expect(model.hasSubmodule('feature_projection.layer_norm')).toBe(false);
    expect(model.hasSubmodule('encoder.pos_conv_embed.batch_norm')).toBe(true);
    const io = await fixtureIo('hubert-tiny');
    const out = (model.eval() as HubertModel).call(io.get('input_values')!);
    expect(maxAbsDiff(out.lastHiddenState, io.get('last_hidden_state')!)).toBeLessThan(1e-4);
    tf.dispose([...io.values(), ...Object.values(out)]);
    model.dispose();
  });
});

describe('Wav2Vec2Model', () => {
  it('computes frame counts as HF _get_feat_extract_output_lengths, per row from the mask', () => {
    setSeed(1);
    const cfg = wav2vec2Config(TINY);
    expect([64, 50, 41, 9, 10].map((n) => featureEncoderOutputLength(cfg, n))).toEqual([10, 7, 6, 0, 1]);
    expect(featureEncoderOutputLength(wav2vec2Config(), 16000)).toBe(49);
    const model = new Wav2Vec2Model(cfg).eval();
    const wav = tf.randomNormal([3, 64], 0, 1, 'float32', 101);
    const mask = tf.tensor2d([
      Array(64).fill(1),
      [...Array(41).fill(1), ...Array(23).fill(0)],
      [...Array(10).fill(1), ...Array(54).fill(0)],
    ]);
    const out = model.call(wav, { attentionMask: mask });
    expect(Array.from(out.outputLengths.dataSync())).toEqual([10, 6, 1]);
    expect(out.attentionMask.sum(1).arraySync()).toEqual([10, 6, 1]);
    const short = tf.zeros([1, 6]);
    expect(() => model.call(short)).toThrow('6 samples are too short');
    const badMask = tf.ones([3, 60]);
    expect(() => model.call(wav, { attentionMask: badMask })).toThrow('attentionMask must be [3, 64]');
    tf.dispose([wav, mask, short, badMask, ...Object.values(out)]);
    model.dispose();
  });

  it('saves as HF Wav2Vec2Model (weight_g/weight_v) and reloads bit-exact, for both variants and HuBERT', async () => {
    setSeed(2);
    for (const [name, model, arch] of [
      ['post', new Wav2Vec2Model(wav2vec2Config(TINY)), wav2vec2Architecture],
      ['stable', new Wav2Vec2Model(STABLE), wav2vec2Architecture],
      [
        'hubert',
        new HubertModel(hubertConfig({ ...TINY, conv_pos_batch_norm: true, mask_time_prob: 0 })),
        hubertArchitecture,
      ],
    ] as const) {
      const dir = path.join(tmp, `roundtrip-${name}`);
      await arch.saveCheckpoint(dir, model, model.config as never);
      const header = await readSafetensorsHeader(path.join(dir, 'model.safetensors'));
      const keys = header.entries.map((e) => e.name);
      if (name !== 'hubert') expect(keys).toContain('encoder.pos_conv_embed.conv.weight_g');
      if (name === 'stable') expect(keys).toContain('encoder.layers.1.adapter_layer.linear_2.bias');
      if (name === 'hubert') expect(keys).toContain('encoder.pos_conv_embed.batch_norm.running_var');
      const json = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
      expect(json.architectures).toEqual([name === 'hubert' ? 'HubertModel' : 'Wav2Vec2Model']);
      const { model: back } = await arch.loadCheckpoint(dir);
      expect(stateValues(back), name).toEqual(stateValues(model));
      model.eval();
      back.eval();
      const wav = tf.randomNormal([1, 70], 0, 1, 'float32', 102);
      const a = model.call(wav);
      const b = (back as Wav2Vec2Model).call(wav);
      expect(Array.from(b.lastHiddenState.dataSync()), name).toEqual(
        Array.from(a.lastHiddenState.dataSync()),
      );
      tf.dispose([wav, ...Object.values(a), ...Object.values(b)]);
      model.dispose();
      back.dispose();
    }
  });

  it('renames the parametrized weight-norm keys and names missing tensors under their prefix', async () => {
    expect(legacyWeightNormKey('encoder.pos_conv_embed.conv.parametrizations.weight.original0')).toBe(
      'encoder.pos_conv_embed.conv.weight_g',
    );
    expect(legacyWeightNormKey('encoder.pos_conv_embed.conv.parametrizations.weight.original1')).toBe(
      'encoder.pos_conv_embed.conv.weight_v',
    );
    expect(legacyWeightNormKey('encoder.layer_norm.weight')).toBe('encoder.layer_norm.weight');
    const model = new Wav2Vec2Model(wav2vec2Config({ ...TINY, num_hidden_layers: 1 }));
    const dir = path.join(tmp, 'one-layer');
    await saveWav2Vec2Family(dir, model, wav2vec2Config(TINY));
    await expect(loadWav2Vec2(dir)).rejects.toThrow(
      /missing keys \(\d+\):[\s\S]*encoder\.layers\.1\.attention\.q_proj\.weight/,
    );
    model.dispose();
  });

  it('validates its config', () => {
    expect(() => wav2vec2ConfigSchema.parse({ ...TINY, conv_stride: [3] })).toThrow(
      'one entry per conv layer',
    );
    expect(() => wav2vec2ConfigSchema.parse({ ...TINY, adapter_attn_dim: 4 })).toThrow(
      'MMS adapter layers exist only in do_stable_layer_norm=true encoders',
    );
    expect(() => wav2vec2ConfigSchema.parse({ ...TINY, num_conv_pos_embedding_groups: 3 })).toThrow(
      'hidden_size (16) must be divisible by num_conv_pos_embedding_groups (3)',
    );
    expect(() => wav2vec2ConfigSchema.parse({ ...TINY, add_adapter: true })).toThrow(
      'add_adapter=true is not supported',
    );
    expect(() => wav2vec2ConfigSchema.parse({ ...TINY, hiden_size: 4 })).toThrow();
  });

  it('skips layers with probability layerdrop in training mode only', () => {
    setSeed(6);
    const cfg = wav2vec2Config({
      ...TINY,
      layerdrop: 1,
      hidden_dropout: 0,
      activation_dropout: 0,
      attention_dropout: 0,
      apply_spec_augment: false,
    });
    const model = new Wav2Vec2Model(cfg);
    const wav = tf.randomNormal([1, 64], 0, 1, 'float32', 103);
    const trainA = model.train().call(wav);
    const evalA = model.eval().call(wav);
    const w = model.getSubmodule('encoder.layers.0.feed_forward.output_dense').namedParameters()[0]![1];
    const scaled = tf.mul(w.value, -1.5);
    w.assign(scaled);
    const trainB = model.train().call(wav);
    const evalB = model.eval().call(wav);
    expect(maxAbsDiff(trainA.lastHiddenState, trainB.lastHiddenState)).toBe(0);
    expect(maxAbsDiff(evalA.lastHiddenState, evalB.lastHiddenState)).toBeGreaterThan(1e-3);
    tf.dispose([wav, scaled, ...[trainA, evalA, trainB, evalB].flatMap((o) => Object.values(o))]);
    model.dispose();
  });

  it('declares its roles at existing modules for every variant', () => {
    for (const config of [
      wav2vec2Config(TINY),
      STABLE,
      hubertConfig({ ...TINY, feat_proj_layer_norm: false, conv_pos_batch_norm: true }),
    ]) {
      const model = config.model_type === 'hubert' ? new HubertModel(config) : new Wav2Vec2Model(config);
      const placement = wav2vec2Placement(config);
      expect(checkPlacement(model, placement)).toEqual([]);
      expect(placement.roles).toEqual(
        expect.arrayContaining([
          'attn.q',
          'attn.k',
          'attn.v',
          'attn.o',
          'ffn.up',
          'ffn.down',
          'block',
          'attention',
          'conv',
          'norm',
        ]),
      );
      model.dispose();
    }
  });

  it('trains LoRA on attn.q/attn.v of the stable variant with a padded batch, without leaking', () => {
    setSeed(3);
    const model = new Wav2Vec2Model(STABLE);
    const wav = tf.randomNormal([2, 64], 0, 1, 'float32', 104);
    const mask = tf.tensor2d([Array(64).fill(1), [...Array(41).fill(1), ...Array(23).fill(0)]]);
    const { wrapped } = expectLoraTrains(model, wav2vec2Placement(STABLE), wav, mask);
    expect(wrapped).toEqual([
      'encoder.layers.0.attention.q_proj',
      'encoder.layers.0.attention.v_proj',
      'encoder.layers.1.attention.q_proj',
      'encoder.layers.1.attention.v_proj',
    ]);
    tf.dispose([wav, mask]);
  });

  it('trains LoRA on the post-norm variant and on HuBERT (its BatchNorm statistics stay frozen)', () => {
    setSeed(4);
    const wav = tf.randomNormal([2, 50], 0, 1, 'float32', 105);
    for (const model of [
      new Wav2Vec2Model(wav2vec2Config(TINY)),
      new HubertModel(hubertConfig({ ...TINY, feat_proj_layer_norm: false, conv_pos_batch_norm: true })),
    ]) {
      const { wrapped } = expectLoraTrains(model, wav2vec2Placement(model.config), wav, undefined);
      expect(wrapped).toHaveLength(4);
    }
    wav.dispose();
  });

  it('takes conv LoRA on the feature encoder and prefix tuning on the attention role', () => {
    setSeed(5);
    const cfg = wav2vec2Config(TINY);
    const placement = wav2vec2Placement(cfg);
    const conv = getPeftModel(
      new Wav2Vec2Model(cfg),
      { peftType: 'LORA', r: 2, targetRoles: ['conv'] },
      { placement },
    );
    expect(
      [...conv.model.namedModules()].filter(([, m]) => m.typeName === 'LoraConv1d').map(([p]) => p),
    ).toEqual(['feature_extractor.conv_layers.0.conv', 'feature_extractor.conv_layers.1.conv']);
    conv.dispose();
    const model = new Wav2Vec2Model(cfg).eval();
    const wav = tf.randomNormal([1, 64], 0, 1, 'float32', 106);
    const before = model.call(wav);
    const prefix = getPeftModel(model, { peftType: 'PREFIX_TUNING', numVirtualTokens: 2 }, { placement });
    prefix.eval();
    const after = prefix.call(wav) as typeof before;
    expect(after.lastHiddenState.shape).toEqual([1, 10, 16]);
    expect(maxAbsDiff(after.lastHiddenState, before.lastHiddenState)).toBeGreaterThan(1e-4);
    tf.dispose([wav, ...Object.values(before), ...Object.values(after)]);
    prefix.dispose();
  });
});
