import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromTorchLayout, Linear, type Parameter } from '../../../nn/index.js';
import { valueAndGrads } from '../../../train/gradients.js';
import { SvdLinear } from './layer.js';
import { orthogonalRegularization } from './orth-regularizer.js';
import { RankAllocator } from './rank-allocator.js';

type Factors = Record<'lora_A' | 'lora_B' | 'lora_E', number[]>;

/** fixtures/adalora-parity.json, written by fixtures/make-adalora-fixture.py with PyTorch. */
interface Fixture {
  initR: number;
  targetR: number;
  loraAlpha: number;
  schedule: {
    total_step: number;
    tinit: number;
    tfinal: number;
    deltaT: number;
    beta1: number;
    beta2: number;
  };
  dims: [number, number][];
  x: number[];
  w: number[];
  base: { weight: number[]; bias: number[] }[];
  steps: {
    globalStep: number;
    factors: Factors[];
    output: number[];
    orthReg: number;
    grads: Factors[];
    budget: number;
    maskedE: number[][];
    rankPattern: boolean[][];
  }[];
}

const fixture = JSON.parse(
  fs.readFileSync(new URL('./fixtures/adalora-parity.json', import.meta.url), 'utf8'),
) as Fixture;

function setTorch(p: Parameter, values: number[], torchShape: number[]): void {
  const t = tf.tensor(values, torchShape);
  const mem = fromTorchLayout(t, p.layout, p.shape);
  p.assign(mem);
  tf.dispose([t, mem]);
}

function expectClose(got: ArrayLike<number>, want: readonly number[], tol: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  want.forEach((w, i) => {
    expect(Math.abs((got[i] as number) - w), `${label}[${i}]`).toBeLessThan(tol * Math.max(1, Math.abs(w)));
  });
}

describe('AdaLoRA parity with PyTorch (HF PEFT SVDLinear, orthogonal regulariser, RankAllocator)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('forward, regulariser, gradients and the masked E after two allocations match to 1e-5', () => {
    const routing = { adapterNames: undefined };
    const layers = fixture.dims.map(([i, o], k) => {
      const layer = new SvdLinear(new Linear(i, o), routing);
      layer.addAdapter('default', {
        r: fixture.initR,
        ranknum: fixture.initR,
        loraAlpha: fixture.loraAlpha,
        loraDropout: 0,
        initLoraWeights: true,
      });
      layer.setActiveAdapters(['default']);
      const base = fixture.base[k]!;
      setTorch(layer.linear.weight, base.weight, [o, i]);
      setTorch(layer.linear.bias!, base.bias, [o]);
      return layer;
    });
    const s = fixture.schedule;
    const allocator = new RankAllocator(
      {
        targetR: fixture.targetR,
        beta1: s.beta1,
        beta2: s.beta2,
        tinit: s.tinit,
        tfinal: s.tfinal,
        totalStep: s.total_step,
        deltaT: s.deltaT,
      },
      layers.map((l, k) => [`layer.${k}`, l] as const),
      'default',
    );
    const [n, inFeatures] = [3, fixture.dims[0]![0]];
    const x = tf.tensor2d(fixture.x, [n, inFeatures]);
    const w = tf.tensor2d(fixture.w, [n, fixture.dims.at(-1)![1]]);
    const named = layers.flatMap((l, k) => {
      const { a, b, e } = l.factors('default');
      return [
        [`${k}.lora_A`, a],
        [`${k}.lora_B`, b],
        [`${k}.lora_E`, e],
      ] as [string, Parameter][];
    });
    const forward = () => layers.reduce((h, l) => l.forward(h), x as tf.Tensor);
    const start = tf.memory().numTensors;
    for (const step of fixture.steps) {
      layers.forEach((l, k) => {
        const [i, o] = fixture.dims[k]!;
        const f = step.factors[k]!;
        const { a, b, e } = l.factors('default');
        setTorch(a, f.lora_A, [fixture.initR, i]);
        setTorch(b, f.lora_B, [o, fixture.initR]);
        setTorch(e, f.lora_E, [fixture.initR, 1]);
      });
      const y = tf.tidy(forward);
      expectClose(y.dataSync(), step.output, 1e-5, `output @ ${step.globalStep}`);
      const reg = orthogonalRegularization(layers, 'default')!;
      expectClose(reg.dataSync(), [step.orthReg], 1e-5, `orth reg @ ${step.globalStep}`);
      const { value, grads } = valueAndGrads(named, () => tf.sum(tf.mul(forward(), w)) as tf.Scalar);
      const byParam = new Map(named.map(([key, p]) => [p, grads.get(key)!]));
      named.forEach(([key, p]) => {
        const [k, name] = key.split('.') as [string, keyof Factors];
        const torch = tf.tidy(() =>
          name === 'lora_E' ? grads.get(key)!.clone() : tf.transpose(grads.get(key)!),
        );
        expectClose(torch.dataSync(), step.grads[Number(k)]![name], 1e-5, `grad ${key} @ ${step.globalStep}`);
        torch.dispose();
        expect(p.trainable).toBe(true);
      });
      allocator.updateAndAllocate(step.globalStep, (p) => byParam.get(p));
      layers.forEach((l, k) => {
        expectClose(
          l.factors('default').e.value.dataSync(),
          step.maskedE[k]!,
          1e-5,
          `E @ ${step.globalStep}`,
        );
      });
      expect(allocator.rankPattern).toEqual({
        'layer.0.lora_E': step.rankPattern[0],
        'layer.1.lora_E': step.rankPattern[1],
      });
      tf.dispose([y, reg, value, ...grads.values()]);
    }
    // The smoothed importance of the six factors (two tensors each) is all that stays.
    expect(tf.memory().numTensors - start).toBe(12);
    allocator.dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, w]);
    for (const l of layers) l.dispose();
  });
});
