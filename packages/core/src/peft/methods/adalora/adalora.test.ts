import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { saveSafetensors } from '../../../io/index.js';
import { setSeed } from '../../../runtime/index.js';
import { loaders, lossFn, type TinyPeft } from '../../../train/trainer/testing/toy-task.js';
import { fit } from '../../../train/trainer/trainer.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  expectConfigsRejected,
  expectMergeRoundTrip,
  expectReloadsExactly,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  rows,
  TinyBert,
  TinyConvNet,
  trainableSize,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import { budgetAt } from './budget.js';
import { SvdLinear } from './layer.js';
import { orthogonalRegularization } from './orth-regularizer.js';

const tmp = useCpuAndTmpDir('adalora');
const QUERY = 'encoder.layer.0.attention.self.query';
const quiet = { warn: () => {} };

function svdLayers(peft: PeftModel<[tf.Tensor], tf.Tensor>): [string, SvdLinear][] {
  return [...peft.model.namedModules()].filter((e): e is [string, SvdLinear] => e[1] instanceof SvdLinear);
}

/** Kept (non-zero) entries of every layer's E. */
function keptPerLayer(peft: PeftModel<[tf.Tensor], tf.Tensor>): number[] {
  return svdLayers(peft).map(
    ([, l]) => Array.from(l.factors('default').e.value.dataSync()).filter((v) => v !== 0).length,
  );
}

/** Trains the toy task with the shared Trainer (so the model's training hooks run). */
async function trainToy(peft: PeftModel<[tf.Tensor], tf.Tensor>, maxSteps: number, counts?: number[]) {
  const { train } = loaders({ n: 48, batchSize: 8 });
  return fit({
    model: peft as TinyPeft,
    train,
    loss: lossFn,
    maxSteps,
    optimizer: { lr: 0.05 },
    progress: 'none',
    ...(counts ? { callbacks: [{ onStepEnd: () => void counts.push(tf.memory().numTensors) }] } : {}),
  });
}

describe('AdaLoRA', () => {
  it('a fresh adapter leaves outputs unchanged: E = 0, A and B ~ N(0, 0.02^2), HF shapes', () => {
    setSeed(1);
    const { peft } = adaptAndExpectUnchanged(new TinyBert(), {
      peftType: 'ADALORA',
      totalStep: 10,
      targetModules: ['query', 'value'],
    });
    const layer = peft.model.getSubmodule(QUERY) as SvdLinear;
    const byKey = layer.adapterParametersByKey('default');
    expect([...byKey.keys()].sort()).toEqual(['lora_A', 'lora_B', 'lora_E']);
    // Memory [in, r] / [r, out]; the file's (PyTorch) shapes are [r, in] / [out, r].
    expect(byKey.get('lora_A')!.shape).toEqual([8, 12]);
    expect(byKey.get('lora_B')!.shape).toEqual([12, 8]);
    expect(byKey.get('lora_E')!.shape).toEqual([12, 1]);
    expect(Array.from(byKey.get('lora_E')!.value.dataSync())).toEqual(new Array(12).fill(0));
    const std = tf.tidy(() => tf.moments(byKey.get('lora_A')!.value).variance.sqrt().dataSync()[0] as number);
    expect(std).toBeGreaterThan(0.014);
    expect(std).toBeLessThan(0.026);
    // Trainable: A, B and E of every target; ranknum is not a parameter.
    const { layers, d } = new TinyBert().dims;
    expect(peft.getNbTrainableParameters().trainable).toBe(layers * 2 * 12 * (d + d + 1));
    expect(peft.getNbTrainableParameters().trainable).toBe(trainableSize(peft));
  });

  it('deltaWeight is A^T diag(E) B^T * alpha / (initR + 1e-5); merge and unmerge', () => {
    setSeed(2);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'ADALORA',
      initR: 3,
      targetR: 2,
      loraAlpha: 6,
      totalStep: 10,
      initLoraWeights: false,
      targetModules: ['query', 'intermediate.dense'],
    });
    for (const [p, layer] of svdLayers(peft)) {
      const { a, b, e } = layer.factors('default');
      const [am, bm, em] = [rows(a.value), rows(b.value), Array.from(e.value.dataSync())];
      const got = rows(layer.deltaWeight('default')!);
      for (let i = 0; i < got.length; i++)
        for (let o = 0; o < got[0]!.length; o++) {
          const want = (em.reduce((s, ek, k) => s + am[i]![k]! * ek * bm[k]![o]!, 0) * 6) / (3 + 1e-5);
          expect(got[i]![o], `${p}[${i}, ${o}]`).toBeCloseTo(want, 5);
        }
    }
    const x = ids();
    const q = peft.model.getSubmodule(`${QUERY}.base_layer`).parameters()[0]!;
    expectMergeRoundTrip(peft, x, q);
    x.dispose();
  });

  it('orthogonal regulariser: mean over A and B of ||cov - I||_F, zero for orthonormal factors', () => {
    setSeed(3);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'ADALORA',
      initR: 2,
      targetR: 1,
      totalStep: 10,
      targetModules: [QUERY],
    });
    const layer = peft.model.getSubmodule(QUERY) as SvdLinear;
    const { a, b } = layer.factors('default');
    // Orthonormal rows of A (file [r, in]) and columns of B (file [out, r]): both terms vanish.
    const onehot = (rowsN: number, cols: number, at: (i: number) => number) =>
      tf.tensor2d(
        Array.from({ length: rowsN * cols }, (_, k) => (at(Math.floor(k / cols)) === k % cols ? 1 : 0)),
        [rowsN, cols],
      );
    const a0 = onehot(8, 2, (i) => (i < 2 ? i : -1));
    const b0 = onehot(2, 8, (i) => i + 3);
    a.assign(a0);
    b.assign(b0);
    const zero = orthogonalRegularization([layer], 'default')!;
    expect(zero.dataSync()[0]).toBeCloseTo(0, 6);
    // Scale both by 2: cov = 4I, so each norm is ||3I||_F = 3 sqrt(2), and so is the mean.
    const [a2, b2] = [tf.mul(a0, 2), tf.mul(b0, 2)];
    a.assign(a2);
    b.assign(b2);
    const reg = orthogonalRegularization([layer], 'default')!;
    expect(reg.dataSync()[0]).toBeCloseTo(3 * Math.SQRT2, 5);
    // The training loss term is orthRegWeight times it.
    const term = peft.trainingLoss()!;
    expect(term.dataSync()[0]).toBeCloseTo(0.5 * 3 * Math.SQRT2, 5);
    tf.dispose([a0, b0, a2, b2, zero, reg, term]);
  });

  it("budget schedule is HF's: warm-up, cubic decrease every deltaT steps, target after totalStep - tfinal", () => {
    const s = { tinit: 10, tfinal: 20, totalStep: 100, deltaT: 5 };
    expect(budgetAt(s, 48, 32, 0)).toEqual({ budget: 48, mask: false });
    expect(budgetAt(s, 48, 32, 10)).toEqual({ budget: 48, mask: false });
    // int((48 - 32) * (1 - 1/70)^3 + 32) = int(47.33) = 47; step 11 is no multiple of 5.
    expect(budgetAt(s, 48, 32, 11)).toEqual({ budget: 47, mask: false });
    // (1 - 35/70)^3 = 0.125: 16 * 0.125 + 32 = 34.
    expect(budgetAt(s, 48, 32, 45)).toEqual({ budget: 34, mask: true });
    expect(budgetAt(s, 48, 32, 80)).toEqual({ budget: 32, mask: true });
    expect(budgetAt(s, 48, 32, 81)).toEqual({ budget: 32, mask: true });
  });

  it('training with the Trainer: ranks pruned to targetR * modules at totalStep - tfinal, frozen after; no tensor growth', async () => {
    setSeed(4);
    const peft = getPeftModel(
      new TinyBert(),
      {
        peftType: 'ADALORA',
        initR: 4,
        targetR: 2,
        tinit: 2,
        tfinal: 4,
        targetModules: ['query', 'value'],
        modulesToSave: ['classifier'],
      },
      quiet,
    );
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    // totalStep comes from the run: maxSteps 16.
    const summary = await trainToy(peft, 16, counts);
    expect(summary.steps).toBe(16);
    const kept = keptPerLayer(peft);
    // 4 modules x targetR 2 = 8 triplets kept in total (ties could only drop more).
    expect(kept.reduce((n, k) => n + k, 0)).toBeLessThanOrEqual(8);
    expect(kept.reduce((n, k) => n + k, 0)).toBeGreaterThan(4);
    expect(Math.max(...kept)).toBeLessThanOrEqual(4);
    // Importance state is made on the first step, then the count stays flat.
    // Pruning runs on global steps 0..11; at 12 = totalStep - tfinal the importance state (two
    // tensors for each A, B, E of 4 layers) is freed. Otherwise the count only moves with the
    // epoch phase (6 batches per epoch, prefetched), as in the trainer's memory test.
    const [during, after] = [counts.slice(0, 12), counts.slice(12)];
    for (let phase = 0; phase < 6; phase++) {
      expect(new Set(during.filter((_, i) => i % 6 === phase)).size).toBe(1);
    }
    expect(new Set(after).size).toBe(1);
    expect((during[0] as number) - (after[0] as number)).toBe(2 * 3 * 4);
    // What remains after fit: the smoothed state was reset at totalStep - tfinal.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposing the model mid-pruning frees the rank allocator state too', async () => {
    const before = tf.memory().numTensors;
    setSeed(7);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'ADALORA', initR: 4, targetR: 2, totalStep: 100, targetModules: ['query'] },
      quiet,
    );
    await trainToy(peft, 3);
    peft.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without totalStep and without a known run length, training refuses naming totalStep', async () => {
    setSeed(5);
    const peft = getPeftModel(new TinyBert(), { peftType: 'ADALORA', targetModules: ['query'] }, quiet);
    expect(() => peft.onTrainBegin({ totalSteps: undefined })).toThrow(
      /ADALORA adapter 'default': totalStep is required/,
    );
    const peft2 = getPeftModel(
      new TinyBert(),
      { peftType: 'ADALORA', tinit: 8, tfinal: 4, targetModules: ['query'] },
      quiet,
    );
    expect(() => peft2.onTrainBegin({ totalSteps: 10 })).toThrow(
      /tinit \(8\) must be below totalStep - tfinal/,
    );
  });

  it('save: HF keys (lora_A/lora_B/lora_E, no ranknum) sliced to the kept triplets, rank_pattern; reload is exact', async () => {
    setSeed(6);
    const peft = getPeftModel(
      new TinyBert(),
      {
        peftType: 'ADALORA',
        initR: 4,
        targetR: 2,
        tinit: 1,
        tfinal: 3,
        deltaT: 2,
        targetModules: ['query', 'value'],
      },
      quiet,
    );
    await trainToy(peft, 10);
    const kept = keptPerLayer(peft);
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    const paths = svdLayers(peft).map(([p]) => p);
    expect(Object.keys(shapes).sort()).toEqual(
      paths.flatMap((p) => ['lora_A', 'lora_B', 'lora_E'].map((k) => `base_model.model.${p}.${k}`)).sort(),
    );
    paths.forEach((p, i) => {
      const k = kept[i]!;
      expect(shapes[`base_model.model.${p}.lora_A`], p).toEqual([k, 8]);
      expect(shapes[`base_model.model.${p}.lora_B`], p).toEqual([8, k]);
      expect(shapes[`base_model.model.${p}.lora_E`], p).toEqual([k, 1]);
    });
    const cfg = await readAdapterConfig(dir);
    expect(cfg).toMatchObject({
      peft_type: 'ADALORA',
      init_r: 4,
      target_r: 2,
      tinit: 1,
      tfinal: 3,
      deltaT: 2,
      beta1: 0.85,
      beta2: 0.85,
      orth_reg_weight: 0.5,
      total_step: 10,
      lora_alpha: 8,
      lora_dropout: 0,
      inference_mode: true,
    });
    expect(cfg).not.toHaveProperty('delta_t');
    const pattern = cfg['rank_pattern'] as Record<string, boolean[]>;
    expect(Object.keys(pattern).sort()).toEqual(paths.map((p) => `${p}.lora_E`).sort());
    paths.forEach((p, i) => {
      expect(pattern[`${p}.lora_E`]).toHaveLength(4);
      expect(pattern[`${p}.lora_E`]!.filter(Boolean)).toHaveLength(kept[i]!);
    });
    // Loaded at the kept ranks, scaled by the initial rank (HF keeps ranknum = init_r).
    const reloaded = await expectReloadsExactly(peft as TinyPeft, dir, 6, quiet);
    const q = reloaded.model.getSubmodule(QUERY) as SvdLinear;
    expect(q.rank('default')).toBe(kept[0]);
    expect(q.scale('default')).toBeCloseTo(8 / (4 + 1e-5), 6);
    // Saving the reloaded adapter writes the same shapes (a sliced layer is not sliced again).
    const again = tmp('save-again');
    await reloaded.savePretrained(again);
    expect(await readAdapterShapes(again)).toEqual(shapes);
    const x = ids();
    expectMergeRoundTrip(reloaded, x, q.linear.weight);
    x.dispose();
  });

  it('loads a file as HF PEFT writes it (all LoraConfig keys, rank_pattern, sliced tensors, no sidecar)', async () => {
    const dir = tmp('hf-written');
    await fs.mkdir(dir, { recursive: true });
    const q0 = 'encoder.layer.0.attention.self.query';
    const q1 = 'encoder.layer.1.attention.self.query';
    // HF's AdaLoraConfig.to_dict() for init_r 3, target_r 2, lora_alpha 6, after training.
    const config = {
      peft_type: 'ADALORA',
      auto_mapping: null,
      base_model_name_or_path: null,
      revision: null,
      task_type: null,
      inference_mode: true,
      r: 8,
      target_modules: ['query'],
      exclude_modules: null,
      lora_alpha: 6,
      lora_dropout: 0.0,
      fan_in_fan_out: false,
      bias: 'none',
      use_rslora: false,
      modules_to_save: null,
      init_lora_weights: true,
      layers_to_transform: null,
      layers_pattern: null,
      rank_pattern: { [`${q0}.lora_E`]: [true, false, true], [`${q1}.lora_E`]: [false, false, true] },
      alpha_pattern: {},
      megatron_config: null,
      megatron_core: 'megatron.core',
      trainable_token_indices: null,
      loftq_config: {},
      eva_config: null,
      corda_config: null,
      use_dora: false,
      layer_replication: null,
      lora_bias: false,
      target_r: 2,
      init_r: 3,
      tinit: 0,
      tfinal: 0,
      deltaT: 1,
      beta1: 0.85,
      beta2: 0.85,
      orth_reg_weight: 0.5,
      total_step: 100,
    };
    await fs.writeFile(path.join(dir, 'adapter_config.json'), JSON.stringify(config));
    setSeed(8);
    const file = new Map<string, tf.Tensor>();
    for (const [p, kept] of [
      [q0, 2],
      [q1, 1],
    ] as const) {
      file.set(`base_model.model.${p}.lora_A`, tf.randomNormal([kept, 8], 0, 1, 'float32', 101));
      file.set(`base_model.model.${p}.lora_B`, tf.randomNormal([8, kept], 0, 1, 'float32', 102));
      file.set(`base_model.model.${p}.lora_E`, tf.randomNormal([kept, 1], 0, 1, 'float32', 103));
    }
    await saveSafetensors(path.join(dir, 'adapter_model.safetensors'), file);
    setSeed(9);
    const peft = await PeftModel.fromPretrained(new TinyBert(), dir, quiet);
    for (const [p, kept] of [
      [q0, 2],
      [q1, 1],
    ] as const) {
      const layer = peft.model.getSubmodule(p) as SvdLinear;
      expect(layer.rank('default')).toBe(kept);
      // HF's get_delta_weight: B @ (A * E) * scaling / (ranknum + 1e-5), [out, in]; ranknum = init_r.
      const want = tf.tidy(() =>
        tf.mul(
          tf.matMul(
            file.get(`base_model.model.${p}.lora_B`)!,
            tf.mul(file.get(`base_model.model.${p}.lora_A`)!, file.get(`base_model.model.${p}.lora_E`)!),
          ),
          6 / (3 + 1e-5),
        ),
      );
      const got = tf.tidy(() => tf.transpose(layer.deltaWeight('default')!));
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
      tf.dispose([want, got]);
    }
    // Saved again: the same keys and shapes, and the HF keys peftkit does not model round-trip.
    const again = tmp('hf-written-again');
    await peft.savePretrained(again);
    expect(await readAdapterShapes(again)).toEqual(await readAdapterShapes(dir));
    expect(await readAdapterConfig(again)).toMatchObject({
      use_rslora: false,
      alpha_pattern: {},
      megatron_core: 'megatron.core',
      rank_pattern: config.rank_pattern,
      deltaT: 1,
    });
    tf.dispose([...file.values()]);
    peft.dispose();
  });

  it('rejects bad configs and module types with errors naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ targetR: 16 }, /targetR: targetR \(16\) must not exceed initR \(12\)/],
      [{ totalStep: 10, tinit: 10 }, /tinit: tinit \(10\) must be below totalStep - tfinal/],
      [{ totalStep: 0 }, /totalStep: /],
      [{ beta1: 1 }, /beta1: /],
      [{ beta2: 0 }, /beta2: /],
      [{ deltaT: 0 }, /deltaT: /],
      [{ orthRegWeight: -1 }, /orthRegWeight: /],
      [{ bias: 'all' }, /bias: /],
      [{ rankPattern: { 'q.lora_E': [1, 0] } }, /rankPattern\.q\.lora_E\.0: /],
    ];
    expectConfigsRejected({ peftType: 'ADALORA', targetModules: ['query'] }, bad);
    expect(() =>
      getPeftModel(new TinyConvNet(), { peftType: 'ADALORA', totalStep: 5, targetModules: ['conv'] }),
    ).toThrow(/ADALORA cannot wrap 'conv' of type Conv2d; it wraps: Linear/);
  });
});
