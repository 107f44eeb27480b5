import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Conv2d, type Linear, Module, silu } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import { definePlacement } from '../../placement.js';
import {
  baseLayerKey,
  expectBaseUnchanged,
  expectReloadsExactly,
  expectRoutingMatchesEachAlone,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  snapshot,
  TinyBert,
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import type { BottleneckLayer } from './layer.js';

const placement = { placement: tinyBertPlacement };
const tmp = useCpuAndTmpDir('bottleneck');

function part(
  peft: PeftModel,
  layerPath: string,
  which: 'adapter_down' | 'adapter_up',
  name = 'default',
): Linear {
  return peft.model.getSubmodule(`${layerPath}.${which}.${name}`) as Linear;
}

const L = 'encoder.layer';

describe('bottleneck adapters', () => {
  it('places each variant by role; a fresh adapter is exactly the identity', () => {
    const expected = {
      houlsby: [
        `${L}.0.attention.output.dense`,
        `${L}.0.output.dense`,
        `${L}.1.attention.output.dense`,
        `${L}.1.output.dense`,
      ],
      pfeiffer: [`${L}.0.output.dense`, `${L}.1.output.dense`],
      parallel: [`${L}.0.output.dense`, `${L}.1.output.dense`],
    } as const;
    for (const variant of ['houlsby', 'pfeiffer', 'parallel'] as const) {
      setSeed(1);
      const model = new TinyBert();
      const x = ids();
      const before = model.call(x);
      const peft = getPeftModel(model, { peftType: 'BOTTLENECK', variant }, placement);
      expect(peft.targetsOf('default'), variant).toEqual(expected[variant]);
      const after = peft.call(x);
      expect(Array.from(after.dataSync()), variant).toEqual(Array.from(before.dataSync()));
      tf.dispose([x, before, after]);
    }
    // Explicit module paths work without a placement.
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'BOTTLENECK',
      targetModules: ['attention.output.dense'],
    });
    expect(peft.targetsOf('default')).toEqual([
      `${L}.0.attention.output.dense`,
      `${L}.1.attention.output.dense`,
    ]);
  });

  it('trains to lower loss changing only adapter and modulesToSave parameters', () => {
    setSeed(2);
    const model = new TinyBert();
    const baseSnap = snapshot(model);
    const peft = getPeftModel(
      model,
      { peftType: 'BOTTLENECK', variant: 'houlsby', reductionFactor: 4, modulesToSave: ['classifier'] },
      placement,
    );
    const losses = trainSteps(peft, 30);
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.8);
    expectBaseUnchanged(peft.model, baseSnap, baseLayerKey([...peft.targetsOf('default'), 'classifier']));
    const up = part(peft, `${L}.0.attention.output.dense`, 'adapter_up').weight.value;
    expect(tf.tidy(() => tf.max(tf.abs(up)).dataSync()[0])).toBeGreaterThan(0);
  });

  it('computes the closed forms: sequential h + s*up(act(down(h))), residual-free, parallel, and stacked', () => {
    setSeed(3);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'BOTTLENECK', variant: 'houlsby', bottleneckSize: 3, scaling: 0.5, initWeights: false },
      { ...placement, adapterName: 'seq' },
    );
    peft.addAdapter('par', { peftType: 'BOTTLENECK', variant: 'parallel', initWeights: false });
    peft.addAdapter('nores', {
      peftType: 'BOTTLENECK',
      targetModules: ['output.dense'],
      residual: false,
      nonLinearity: 'tanh',
      bottleneckSize: 2,
      initWeights: false,
    });
    const p = `${L}.1.output.dense`;
    const layer = peft.model.getSubmodule(p) as BottleneckLayer;
    const base = layer.base as Linear;
    const x = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 11);
    const lin = (m: Linear, t: tf.Tensor) =>
      tf.add(tf.matMul(tf.reshape(t, [-1, m.inFeatures]), m.weight.value), m.bias!.value);
    const adapter = (name: string, t: tf.Tensor, act: (u: tf.Tensor) => tf.Tensor, s: number) =>
      tf.mul(lin(part(peft, p, 'adapter_up', name), act(lin(part(peft, p, 'adapter_down', name), t))), s);
    const h = tf.tidy(() => lin(base, x));
    const seq = tf.tidy(() => tf.add(h, adapter('seq', h, silu, 0.5)));
    const par = tf.tidy(() => tf.add(h, adapter('par', x, tf.relu, 4)));
    const nores = tf.tidy(() => adapter('nores', h, tf.tanh, 1));
    // Parallel adapters first on the base output, then the sequential ones in order.
    const stacked = tf.tidy(() => {
      const y = tf.add(h, adapter('par', x, tf.relu, 4));
      return tf.add(y, adapter('seq', y, silu, 0.5));
    });
    expect(layer.bottleneckSize('par')).toBe(4); // floor(8 / 2): the hidden (output) width over the reduction factor
    expect(part(peft, p, 'adapter_down', 'par').inFeatures).toBe(16); // reads the wrapped module's input
    const cases: [string[], tf.Tensor][] = [
      [['seq'], seq],
      [['par'], par],
      [['nores'], nores],
      [['par', 'seq'], stacked],
    ];
    for (const [names, want] of cases) {
      peft.setAdapter(names);
      const got = layer.call(x);
      expect(maxAbsDiff(tf.reshape(got, [-1, 8]), want), names.join('+')).toBeLessThan(1e-5);
      got.dispose();
    }
    tf.dispose([x, h, seq, par, nores, stacked]);
  });

  it('trainable count equals the closed form per adapted module plus the saved head', () => {
    const model = new TinyBert();
    const { d, ffn, layers, classes } = model.dims;
    const seq = (b: number) => d * b + b + b * d + d;
    const houlsby = getPeftModel(
      model,
      { peftType: 'BOTTLENECK', variant: 'houlsby', reductionFactor: 4, modulesToSave: ['classifier'] },
      placement,
    );
    const n = houlsby.getNbTrainableParameters().trainable;
    expect(n).toBe(layers * 2 * seq(d / 4) + d * classes + classes);
    expect(n).toBe(trainableSize(houlsby));
    // Parallel at output.dense reads its ffn-wide input: down ffn -> d/2, up d/2 -> d.
    const par = getPeftModel(new TinyBert(), { peftType: 'BOTTLENECK', variant: 'parallel' }, placement);
    const b = d / 2;
    expect(par.getNbTrainableParameters().trainable).toBe(layers * (ffn * b + b + b * d + d));
  });

  it('is not mergeable: merge and mergeAndUnload fail with a clear error', () => {
    const peft = getPeftModel(new TinyBert(), { peftType: 'BOTTLENECK' }, placement);
    expect(() => peft.merge()).toThrow(/BOTTLENECK adapter 'default' cannot be merged into the base weights/);
    expect(() => peft.mergeAndUnload()).toThrow(/cannot be merged/);
    const layer = peft.model.getSubmodule(`${L}.0.output.dense`) as BottleneckLayer;
    expect(() => layer.merge(['default'])).toThrow(/cannot be merged/);
  });

  it('save -> load reproduces outputs exactly; keys, PyTorch shapes and config are as documented', async () => {
    setSeed(4);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'BOTTLENECK', variant: 'houlsby', reductionFactor: 4, modulesToSave: ['classifier'] },
      placement,
    );
    trainSteps(peft, 3);
    const dir = tmp('houlsby');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    // Fixture: d=8, bottleneck 8/4=2; Linear weights in PyTorch [out, in].
    const want: Record<string, number[]> = {
      'base_model.model.classifier.weight': [3, 8],
      'base_model.model.classifier.bias': [3],
    };
    for (const i of [0, 1]) {
      for (const m of ['attention.output.dense', 'output.dense']) {
        const k = `base_model.model.${L}.${i}.${m}`;
        want[`${k}.adapter_down.weight`] = [2, 8];
        want[`${k}.adapter_down.bias`] = [2];
        want[`${k}.adapter_up.weight`] = [8, 2];
        want[`${k}.adapter_up.bias`] = [8];
      }
    }
    expect(shapes).toEqual(want);
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'BOTTLENECK',
      variant: 'houlsby',
      reduction_factor: 4,
      non_linearity: 'silu',
      scaling: 1,
      residual: true,
      adapter_dropout: 0,
      init_weights: true,
      target_modules: peft.targetsOf('default'),
      modules_to_save: ['classifier'],
    });

    const reloaded = await expectReloadsExactly(peft, dir, 4);
    expect(reloaded.getNbTrainableParameters().trainable).toBe(0);
  });

  it('two adapters (sequential and parallel on one layer): per-example routing equals each alone', () => {
    setSeed(5);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'BOTTLENECK', variant: 'pfeiffer', bottleneckSize: 2 },
      { ...placement, adapterName: 'a' },
    );
    trainSteps(peft, 4);
    peft.addAdapter('b', { peftType: 'BOTTLENECK', variant: 'parallel' });
    peft.setAdapter('b');
    trainSteps(peft, 4);
    expectRoutingMatchesEachAlone(peft, ['a', 'b', '__base__'], (y) => {
      expect(maxAbsDiff(y.a, y.__base__)).toBeGreaterThan(1e-4);
    });
  });

  it('wraps a Conv2d sequentially on its channels; parallel on a Conv2d is refused', () => {
    class Net extends Module<[tf.Tensor], tf.Tensor> {
      constructor() {
        super();
        this.registerModule('conv', new Conv2d(3, 8, 3, { stride: 2, padding: 1 }));
      }
      forward(x: tf.Tensor): tf.Tensor {
        return this.child('conv').forward(x);
      }
    }
    setSeed(6);
    const net = new Net();
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 3);
    const before = net.call(x);
    const peft = getPeftModel(net, { peftType: 'BOTTLENECK', targetModules: ['conv'], reductionFactor: 2 });
    const after = peft.call(x);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    expect(part(peft, 'conv', 'adapter_down').weight.shape).toEqual([8, 4]);
    expect(() =>
      getPeftModel(new Net(), { peftType: 'BOTTLENECK', variant: 'parallel', targetModules: ['conv'] }),
    ).toThrow(/variant 'parallel' wraps Linear modules only/);
    tf.dispose([x, before, after]);
  });

  it('leaves no tensor behind: built, trained, saved, reloaded and disposed', async () => {
    setSeed(12);
    const x = ids();
    const start = tf.memory().numTensors;
    const peft = getPeftModel(new TinyBert(), { peftType: 'BOTTLENECK', variant: 'houlsby' }, placement);
    const counts: number[] = [];
    trainSteps(peft, 3, { x, onStep: () => counts.push(tf.memory().numTensors) });
    expect(new Set(counts).size).toBe(1);
    const dir = tmp('leak');
    await peft.savePretrained(dir);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir, placement);
    peft.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });

  it('rejects bad input with errors that name the problem', () => {
    const bad = (extra: Record<string, unknown>, re: RegExp) =>
      expect(() => getPeftModel(new TinyBert(), { peftType: 'BOTTLENECK', ...extra }, placement)).toThrow(re);
    bad({ variant: 'serial' }, /variant/);
    bad({ variant: 'parallel', residual: false }, /residual: false only applies to the sequential variants/);
    bad({ reductionFactor: 0 }, /reductionFactor/);
    bad({ bottleneckSize: 1.5 }, /bottleneckSize/);
    bad({ nonLinearity: 'sigmoid' }, /nonLinearity/);
    bad({ adapterDropout: 1 }, /adapterDropout/);
    bad(
      { targetModules: ['word_embeddings'] },
      /cannot wrap 'embeddings\.word_embeddings' of type Embedding; it wraps: Linear, Conv2d/,
    );
    expect(() => getPeftModel(new TinyBert(), { peftType: 'BOTTLENECK' })).toThrow(
      /no targets given and the model has no placement.*set targetModules/,
    );
    const noBlocks = definePlacement({
      architecture: 'no-blocks',
      layers: 'encoder.layer',
      layerRoles: { 'block.ffn': 'output.dense' },
    });
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'BOTTLENECK', variant: 'houlsby' }, { placement: noBlocks }),
    ).toThrow(
      /variant 'houlsby' goes at roles block\.attn, block\.ffn, but placement 'no-blocks' does not declare block\.attn/,
    );
  });
});
