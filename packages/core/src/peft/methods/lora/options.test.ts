import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Linear, Module } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterKeys,
  readAdapterShapes,
  snapshot,
  TinyBert,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import { loraConfig } from './config.js';
import type { LoraLayer } from './layer-common.js';

const tmp = useCpuAndTmpDir('lora-opt');

const layerAt = (peft: PeftModel, p: string) => peft.model.getSubmodule(p) as LoraLayer;
const q = (i: number) => `encoder.layer.${i}.attention.self.query`;
const v = (i: number) => `encoder.layer.${i}.attention.self.value`;

/** One wide Linear, for statistics of the initial A. */
class Wide extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly n = 256) {
    super();
    this.registerModule('proj', new Linear(n, n));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('proj').forward(x) as tf.Tensor;
  }
}

function stats(t: tf.Tensor): { std: number; maxAbs: number } {
  const d = Array.from(t.dataSync());
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  const std = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / d.length);
  return { std, maxAbs: d.reduce((m, x) => Math.max(m, Math.abs(x)), 0) };
}

describe('LoRA options', () => {
  it('rankPattern / alphaPattern set per-path rank and scaling; counts, files and reload follow', async () => {
    setSeed(61);
    const config = {
      peftType: 'LORA' as const,
      r: 2,
      loraAlpha: 8,
      targetModules: ['query', 'value'],
      rankPattern: { value: 4, 'layer\\.1\\.attention\\.self\\.query': 3 },
      alphaPattern: { query: 6 },
    };
    const peft = getPeftModel(new TinyBert(), config);
    const want: [string, number, number][] = [
      [q(0), 2, 6 / 2],
      [q(1), 3, 6 / 3],
      [v(0), 4, 8 / 4],
      [v(1), 4, 8 / 4],
    ];
    for (const [p, r, s] of want) {
      expect(layerAt(peft, p).rank('default'), p).toBe(r);
      expect(layerAt(peft, p).scaling('default'), p).toBeCloseTo(s, 12);
    }
    const d = 8;
    expect(peft.getNbTrainableParameters().trainable).toBe(want.reduce((n, [, r]) => n + r * (d + d), 0));
    const x = ids();
    trainSteps(peft, 3, { x });
    const dir = tmp('patterns');
    await peft.savePretrained(dir);
    const file = await readAdapterConfig(dir);
    expect(file.rank_pattern).toEqual(config.rankPattern);
    expect(file.alpha_pattern).toEqual(config.alphaPattern);
    const shapes = await readAdapterShapes(dir);
    expect(shapes[`base_model.model.${q(1)}.lora_A.weight`]).toEqual([3, 8]);
    expect(shapes[`base_model.model.${v(0)}.lora_B.weight`]).toEqual([8, 4]);
    const out = peft.call(x);
    setSeed(61);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir);
    for (const [p, r, s] of want) {
      expect(layerAt(loaded, p).rank('default')).toBe(r);
      expect(layerAt(loaded, p).scaling('default')).toBeCloseTo(s, 12);
    }
    const got = loaded.call(x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(out.dataSync()));
    tf.dispose([x, out, got]);
    peft.dispose();
    loaded.dispose();
  });

  it('useRslora scales by alpha/sqrt(r), checked against B A x computed by hand', () => {
    setSeed(62);
    const model = new Wide(16);
    const x = tf.randomNormal([5, 16], 0, 1, 'float32', 3);
    const y0 = model.call(x);
    const peft = getPeftModel(model, {
      peftType: 'LORA',
      r: 4,
      loraAlpha: 6,
      useRslora: true,
      initLoraWeights: false,
      targetModules: ['proj'],
    });
    const layer = layerAt(peft, 'proj');
    expect(layer.scaling('default')).toBeCloseTo(6 / Math.sqrt(4), 12);
    const a = (peft.model.getSubmodule('proj.lora_A.default') as Linear).weight.value;
    const b = (peft.model.getSubmodule('proj.lora_B.default') as Linear).weight.value;
    const want = tf.tidy(() => tf.add(y0, tf.mul(tf.matMul(tf.matMul(x, a), b), 3)));
    const got = peft.call(x);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, y0, want, got]);
    peft.dispose();
  });

  it("initLoraWeights: true (kaiming A), 'gaussian' (std 1/r), false (B random, output moves)", () => {
    const n = 256;
    const r = 4;
    const x = tf.randomNormal([3, n], 0, 1, 'float32', 5);
    for (const init of [true, 'gaussian', false] as const) {
      setSeed(63);
      const model = new Wide(n);
      const y0 = model.call(x);
      const peft = getPeftModel(model, {
        peftType: 'LORA',
        r,
        initLoraWeights: init,
        targetModules: ['proj'],
      });
      const a = stats((peft.model.getSubmodule('proj.lora_A.default') as Linear).weight.value);
      const b = stats((peft.model.getSubmodule('proj.lora_B.default') as Linear).weight.value);
      const y = peft.call(x);
      if (init === 'gaussian') {
        expect(Math.abs(a.std * r - 1)).toBeLessThan(0.1);
      } else {
        // kaiming_uniform(a=sqrt(5)): U(+-1/sqrt(in)), std 1/sqrt(3 in).
        expect(a.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(n));
        expect(Math.abs(a.std * Math.sqrt(3 * n) - 1)).toBeLessThan(0.1);
      }
      if (init === false) {
        expect(b.maxAbs).toBeGreaterThan(0);
        expect(maxAbsDiff(y, y0)).toBeGreaterThan(1e-3);
      } else {
        expect(b.maxAbs).toBe(0);
        expect(Array.from(y.dataSync())).toEqual(Array.from(y0.dataSync()));
      }
      tf.dispose([y0, y]);
      peft.dispose();
    }
    x.dispose();
  });

  it("bias 'all' / 'lora_only': which biases train and the HF keys they are saved under", async () => {
    for (const bias of ['all', 'lora_only'] as const) {
      setSeed(64);
      const model = new TinyBert();
      const before = snapshot(model);
      const peft = getPeftModel(model, { peftType: 'LORA', r: 2, bias, targetModules: ['query', 'value'] });
      const biasCount = [...before.keys()].filter((k) => k.endsWith('.bias')).length;
      const trainableBiases = peft
        .namedParameters({ trainableOnly: true })
        .filter(([k]) => k.endsWith('.bias'));
      expect(trainableBiases.length).toBe(bias === 'all' ? biasCount : 4);
      const x = ids();
      trainSteps(peft, 3, { x });
      const after = peft.model.stateDict();
      const moved = (k: string) => {
        const now = after.get(k)?.value.dataSync() as Float32Array;
        const was = before.get(k.replace('.base_layer', '')) as Float32Array;
        return now.some((x, i) => x !== was[i]);
      };
      expect(moved(`${q(0)}.base_layer.bias`)).toBe(true);
      expect(moved('encoder.layer.0.attention.self.key.bias')).toBe(bias === 'all');
      expect(moved('classifier.bias')).toBe(bias === 'all');
      expect(moved(`${q(0)}.base_layer.weight`)).toBe(false);
      const dir = tmp(`bias-${bias}`);
      await peft.savePretrained(dir);
      const keys = await readAdapterKeys(dir);
      expect(keys).toContain(`base_model.model.${q(0)}.base_layer.bias`);
      expect(keys).toContain(`base_model.model.${v(1)}.base_layer.bias`);
      expect(keys.includes('base_model.model.encoder.layer.0.attention.self.key.bias')).toBe(bias === 'all');
      expect(keys.includes('base_model.model.classifier.bias')).toBe(bias === 'all');
      expect(keys.filter((k) => k.endsWith('.bias')).length).toBe(bias === 'all' ? biasCount : 4);
      const out = peft.call(x);
      setSeed(64);
      const loaded = await PeftModel.fromPretrained(new TinyBert(), dir);
      const got = loaded.call(x);
      expect(Array.from(got.dataSync())).toEqual(Array.from(out.dataSync()));
      tf.dispose([x, out, got]);
      peft.dispose();
      loaded.dispose();
    }
  });

  it('loraBias: lora_B.bias trains, is saved, and merges into the base bias', async () => {
    setSeed(65);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LORA',
      r: 2,
      loraBias: true,
      targetModules: ['query'],
    });
    const x = ids();
    trainSteps(peft, 4, { x });
    const dir = tmp('lora-bias');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    expect(shapes[`base_model.model.${q(0)}.lora_B.bias`]).toEqual([8]);
    const unmerged = peft.call(x);
    const b0 = layerAt(peft, q(0)).baseBias?.value.clone() as tf.Tensor;
    peft.merge();
    const merged = peft.call(x);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
    peft.unmerge();
    expect(maxAbsDiff(layerAt(peft, q(0)).baseBias?.value as tf.Tensor, b0)).toBeLessThan(1e-6);
    tf.dispose([x, unmerged, merged, b0]);
    peft.dispose();
  });
});

describe('adapter_config.json', () => {
  /** A LoRA adapter_config.json as recent HF PEFT writes it (every key, including ones peftkit ignores). */
  const hfFile = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: 'bert-base-uncased',
    bias: 'none',
    corda_config: null,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: 16,
    lora_bias: false,
    lora_dropout: 0.1,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: ['classifier', 'score'],
    peft_type: 'LORA',
    qalora_group_size: 16,
    r: 8,
    rank_pattern: { 'layer.0.attention.self.query': 4 },
    revision: null,
    runtime_config: { ephemeral_gpu_offload: false },
    target_modules: ['query', 'value'],
    target_parameters: null,
    task_type: 'SEQ_CLS',
    trainable_token_indices: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: false,
  };

  it('HF file -> config -> file is lossless (unknown keys and nulls kept)', () => {
    const { config, extraFileKeys } = loraConfig.fromFile(hfFile);
    expect(config).toMatchObject({ r: 8, loraAlpha: 16, loraDropout: 0.1, taskType: 'SEQ_CLS' });
    expect(extraFileKeys).toMatchObject({
      megatron_config: null,
      megatron_core: 'megatron.core',
      loftq_config: {},
    });
    expect(loraConfig.toFile(config, extraFileKeys)).toEqual(hfFile);
  });

  it('config -> file -> config is lossless', () => {
    const config = loraConfig.parse({
      r: 4,
      loraAlpha: 12,
      loraDropout: 0.05,
      bias: 'lora_only',
      useRslora: true,
      useDora: true,
      initLoraWeights: 'pissa_niter_8',
      rankPattern: { value: 2 },
      alphaPattern: { 'layer\\.1\\..*': 3 },
      targetModules: ['query', 'value'],
      layersToTransform: [0, 1],
      modulesToSave: ['classifier'],
      taskType: 'SEQ_CLS',
    });
    const file = loraConfig.toFile(config);
    expect(file).toMatchObject({
      init_lora_weights: 'pissa_niter_8',
      use_rslora: true,
      rank_pattern: { value: 2 },
    });
    const back = loraConfig.fromFile(file);
    expect(back.config).toEqual(config);
    expect(back.extraFileKeys).toEqual({});
  });

  it('rejects invalid values and unsupported HF options, naming the field', () => {
    expect(() => loraConfig.parse({ loraDropout: 1 })).toThrow(/loraDropout/);
    expect(() => loraConfig.parse({ bias: 'some' })).toThrow(/bias/);
    expect(() => loraConfig.parse({ r: 2.5 })).toThrow(/r:/);
    expect(() => loraConfig.parse({ initLoraWeights: 'pissa_niter_x' })).toThrow(/initLoraWeights: expected/);
    expect(() => loraConfig.parse({ useDora: true, loraBias: true })).toThrow(/loraBias: .*useDora/);
    expect(() => loraConfig.fromFile({ ...hfFile, use_qalora: true }, 'x/adapter_config.json')).toThrow(
      /x\/adapter_config.json: LORA options not supported by peftkit: use_qalora=true/,
    );
    expect(() => loraConfig.fromFile({ ...hfFile, init_lora_weights: 'loftq' })).toThrow(
      /initLoraWeights: .*'loftq' is not implemented/,
    );
  });
});
