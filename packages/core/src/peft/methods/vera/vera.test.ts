import * as fs from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, type PeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  adapterConfigPath,
  expectBaseUnchanged,
  expectConfigsRejected,
  expectMergeRoundTrip,
  expectReloadsExactly,
  expectRoutingMatchesEachAlone,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterKeys,
  readAdapterShapes,
  rows,
  TinyBert,
  TinyConvNet,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import { VeraLinear } from './layer.js';
import { makeVeraProjections } from './projections.js';

const tmp = useCpuAndTmpDir('vera');

const QUERY = 'encoder.layer.0.attention.self.query';
const quiet = { warn: () => {} };

function veraLayers(peft: PeftModel<[tf.Tensor], tf.Tensor>): [string, VeraLinear][] {
  return [...peft.model.namedModules()].filter((e): e is [string, VeraLinear] => e[1] instanceof VeraLinear);
}

describe('VeRA', () => {
  it('a fresh adapter leaves outputs exactly unchanged; training changes only the lambdas and modulesToSave', () => {
    setSeed(1);
    const { peft, baseSnap } = adaptAndExpectUnchanged(new TinyBert(), {
      peftType: 'VERA',
      r: 4,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    const layer = peft.model.getSubmodule(QUERY) as VeraLinear;
    const byKey = layer.adapterParametersByKey('default');
    expect(Array.from(byKey.get('vera_lambda_b')!.value.dataSync())).toEqual(new Array(8).fill(0));
    expect(Array.from(byKey.get('vera_lambda_d')!.value.dataSync())).toEqual(
      new Array(4).fill(0.1).map(Math.fround),
    );
    const { A, B } = layer.projections('default');
    const a0 = A.value.dataSync().slice();
    const b0 = B.value.dataSync().slice();

    const losses = trainSteps(peft, 25, { lr: 0.1 });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    expectBaseUnchanged(peft.model, baseSnap, (k) =>
      k
        .replace(/\.(query|value)\.(weight|bias)$/, '.$1.base_layer.$2')
        .replace(/^classifier\./, 'classifier.base_layer.'),
    );
    // The shared projections are frozen; the lambdas moved.
    expect(Array.from(A.value.dataSync())).toEqual(Array.from(a0));
    expect(Array.from(B.value.dataSync())).toEqual(Array.from(b0));
    expect(tf.tidy(() => tf.sum(tf.abs(byKey.get('vera_lambda_b')!.value)).dataSync()[0])).toBeGreaterThan(0);
  });

  it('trainable count is layers·(r + out); the shared projections are one frozen buffer pair, not counted', () => {
    setSeed(2);
    const model = new TinyBert();
    const { d, ffn, layers } = model.dims;
    const baseTotal = model.numParameters();
    const r = 6;
    // query 8->8, intermediate 8->16, both output.dense (8->8 and 16->8): inMax = 16, outMax = 16.
    const peft = getPeftModel(model, {
      peftType: 'VERA',
      r,
      targetModules: ['query', 'intermediate.dense', 'output.dense'],
    });
    const outs = [d, ffn, d, d];
    const expected = layers * outs.reduce((n, out) => n + r + out, 0);
    const counts = peft.getNbTrainableParameters();
    expect(counts.trainable).toBe(expected);
    expect(counts.trainable).toBe(trainableSize(peft));
    expect(counts.total).toBe(baseTotal + expected);
    const all = veraLayers(peft);
    expect(all).toHaveLength(layers * 4);
    const { A, B } = all[0]![1].projections('default');
    for (const [, l] of all) {
      expect(l.projections('default').A).toBe(A);
      expect(l.projections('default').B).toBe(B);
    }
    expect([A.kind, A.trainable, B.kind, B.trainable]).toEqual(['buffer', false, 'buffer', false]);
    // Memory [inMax, r] / [r, outMax]; PyTorch vera_A [r, inMax], vera_B [outMax, r].
    expect(A.shape).toEqual([ffn, r]);
    expect(B.shape).toEqual([r, ffn]);
  });

  it('projections: seeded by projectionPrngKey alone, kaiming-uniform bounds', () => {
    setSeed(3);
    const p1 = makeVeraProjections(5, 16, 12, 7);
    setSeed(99);
    const p2 = makeVeraProjections(5, 16, 12, 7);
    const p3 = makeVeraProjections(5, 16, 12, 8);
    expect(Array.from(p2.A.value.dataSync())).toEqual(Array.from(p1.A.value.dataSync()));
    expect(Array.from(p2.B.value.dataSync())).toEqual(Array.from(p1.B.value.dataSync()));
    expect(maxAbsDiff(p1.A.value, p3.A.value)).toBeGreaterThan(0.01);
    // HF's _kaiming_init: U(±sqrt(6 / fan_in)) over PyTorch fan-in (in for vera_A, r for vera_B).
    const absMax = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0] as number);
    expect(absMax(p1.A.value)).toBeLessThanOrEqual(Math.sqrt(6 / 16));
    expect(absMax(p1.A.value)).toBeGreaterThan(0.8 * Math.sqrt(6 / 16));
    expect(absMax(p1.B.value)).toBeLessThanOrEqual(Math.sqrt(6 / 5));
    expect(absMax(p1.B.value)).toBeGreaterThan(0.8 * Math.sqrt(6 / 5));
    for (const p of [p1, p2, p3]) {
      p.A.dispose();
      p.B.dispose();
    }
  });

  it('deltaWeight is A_s diag(λd) B_s diag(λb) on the sliced projections; merge and unmerge', () => {
    setSeed(4);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'VERA',
      r: 3,
      initWeights: false,
      targetModules: ['query', 'intermediate.dense', 'output.dense'],
    });
    for (const [p, layer] of veraLayers(peft)) {
      const { A, B } = layer.projections('default');
      const a = rows(A.value);
      const b = rows(B.value);
      const byKey = layer.adapterParametersByKey('default');
      const ld = Array.from(byKey.get('vera_lambda_d')!.value.dataSync());
      const lb = Array.from(byKey.get('vera_lambda_b')!.value.dataSync());
      const got = rows(layer.deltaWeight('default')!);
      expect([got.length, got[0]!.length], p).toEqual([layer.linear.inFeatures, layer.linear.outFeatures]);
      for (let i = 0; i < got.length; i++)
        for (let o = 0; o < got[0]!.length; o++) {
          const want = ld.reduce((s, dk, k) => s + a[i]![k]! * dk * b[k]![o]!, 0) * lb[o]!;
          expect(got[i]![o], `${p}[${i}, ${o}]`).toBeCloseTo(want, 5);
        }
    }
    const x = ids();
    const q = peft.model.getSubmodule(`${QUERY}.base_layer`).parameters()[0]!;
    const { A } = (peft.model.getSubmodule(QUERY) as VeraLinear).projections('default');
    const plain = expectMergeRoundTrip(peft, x, q);
    expect(plain.hasSubmodule(`${QUERY}.vera_A`)).toBe(false);
    expect(A.isDisposed).toBe(true);
    x.dispose();
  });

  it('save -> load reproduces outputs exactly; HF keys incl. base_model.vera_A / vera_B', async () => {
    setSeed(5);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'VERA',
      r: 4,
      projectionPrngKey: 3,
      targetModules: ['query', 'value'],
    });
    trainSteps(peft, 3);
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    const q = `base_model.model.${QUERY}`;
    // Fixture: HF saves the projections once on the tuner, lambdas per layer.
    expect(shapes).toMatchObject({
      'base_model.vera_A': [4, 8],
      'base_model.vera_B': [8, 4],
      [`${q}.vera_lambda_b`]: [8],
      [`${q}.vera_lambda_d`]: [4],
    });
    expect(Object.keys(shapes)).toHaveLength(2 * 2 * 2 + 2);
    const cfg = await readAdapterConfig(dir);
    expect(cfg).toMatchObject({
      peft_type: 'VERA',
      r: 4,
      projection_prng_key: 3,
      save_projection: true,
      vera_dropout: 0,
      d_initial: 0.1,
      fan_in_fan_out: false,
      bias: 'none',
      init_weights: true,
    });

    // The saved projections win over the key: change the key, still the same outputs.
    await fs.writeFile(adapterConfigPath(dir), JSON.stringify({ ...cfg, projection_prng_key: 11 }));
    const reloaded = await expectReloadsExactly(peft, dir, 5);
    expect(reloaded.getNbTrainableParameters().trainable).toBe(0);
  });

  it('saveProjection false: projections left out of the file, rebuilt from the key, with a warning', async () => {
    setSeed(6);
    const warnings: string[] = [];
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'VERA', r: 4, saveProjection: false, targetModules: ['query'] },
      { warn: (m) => warnings.push(m) },
    );
    expect(warnings.join('\n')).toMatch(/saveProjection is false.*do not move between peftkit and HF PEFT/s);
    trainSteps(peft, 3);
    const dir = tmp('no-projection');
    await peft.savePretrained(dir);
    expect((await readAdapterKeys(dir)).sort()).toEqual(
      [0, 1].flatMap((l) =>
        ['vera_lambda_b', 'vera_lambda_d'].map(
          (k) => `base_model.model.encoder.layer.${l}.attention.self.query.${k}`,
        ),
      ),
    );
    await expectReloadsExactly(peft, dir, 6, quiet);
  });

  it('two adapters: routing equals each alone; deleting one frees only its projections', () => {
    setSeed(7);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'VERA', r: 4, initWeights: false, targetModules: ['query', 'value'] },
      { adapterName: 'a' },
    );
    peft.addAdapter('b', {
      peftType: 'VERA',
      r: 2,
      initWeights: false,
      projectionPrngKey: 5,
      targetModules: ['value'],
    });
    expectRoutingMatchesEachAlone(peft, ['a', 'b', '__base__']);

    const value = peft.model.getSubmodule('encoder.layer.0.attention.self.value') as VeraLinear;
    const pa = value.projections('a');
    const pb = value.projections('b');
    expect(pb.A.shape).toEqual([8, 2]);
    peft.deleteAdapter('b');
    expect([pb.A.isDisposed, pb.B.isDisposed, pa.A.isDisposed]).toEqual([true, true, false]);
    expect(value.hasSubmodule('vera_A.b')).toBe(false);
  });

  it("bias 'vera_only' trains and saves the adapted layers' biases", async () => {
    setSeed(8);
    const model = new TinyBert();
    const { d, layers } = model.dims;
    const peft = getPeftModel(model, { peftType: 'VERA', r: 2, bias: 'vera_only', targetModules: ['query'] });
    expect(peft.getNbTrainableParameters().trainable).toBe(layers * (2 + d + d));
    const dir = tmp('bias');
    await peft.savePretrained(dir);
    expect(await readAdapterKeys(dir)).toContain(`base_model.model.${QUERY}.base_layer.bias`);
  });

  it('rejects bad configs and module types with errors naming the problem', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ r: 0 }, /r: /],
      [{ veraDropout: 1 }, /veraDropout: /],
      [{ projectionPrngKey: 1.5 }, /projectionPrngKey: /],
      [{ bias: 'lora_only' }, /bias: /],
      [{ layersPattern: 'layer' }, /layersPattern: layersPattern needs layersToTransform/],
      [{ dInitial: 'big' }, /dInitial: /],
    ];
    expectConfigsRejected({ peftType: 'VERA', targetModules: ['query'] }, bad);
    expect(() =>
      getPeftModel(new TinyConvNet(), { peftType: 'VERA', r: 2, targetModules: ['conv'] }),
    ).toThrow(/VERA cannot wrap 'conv' of type Conv2d; it wraps: Linear/);
  });
});
