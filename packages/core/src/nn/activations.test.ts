import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  activationFromName,
  GELU,
  gelu,
  Identity,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  silu,
  Tanh,
} from './activations.js';
import { erf, expectClose, useCpu } from './testing/references.js';

beforeAll(useCpu);

const XS = [-3, -2.5, -1, -0.5, -0.1, 0, 0.1, 0.7, 1, 2, 2.9];
const geluErf = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe('activations', () => {
  it('the JS erf reference is right at known points', () => {
    expect(erf(0)).toBe(0);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 12);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 12);
  });

  it('GELU (erf) and GELU (tanh) match their definitions and differ from each other', () => {
    const x = tf.tensor1d(XS);
    const exact = gelu(x);
    const approx = new GELU({ approximate: 'tanh' }).call(x);
    expectClose(exact.dataSync(), XS.map(geluErf), 2e-6, 'gelu erf');
    expectClose(approx.dataSync(), XS.map(geluTanh), 2e-6, 'gelu tanh');
    // The two forms differ by up to ~1e-3 around |x| = 2; make sure they are not the same code.
    const diff = tf.max(tf.abs(tf.sub(exact, approx))).dataSync()[0] as number;
    expect(diff).toBeGreaterThan(1e-4);
    tf.dispose([x, exact, approx]);
  });

  it('GELU (erf) has the analytic gradient Φ(x) + x φ(x)', () => {
    const x = tf.tensor1d(XS);
    const g = tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x);
    const expected = XS.map(
      (v) => 0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI),
    );
    expectClose(g.dataSync(), expected, 1e-5);
    tf.dispose([x, g]);
  });

  it('SiLU, ReLU, Tanh, Sigmoid, Softmax, Identity', () => {
    const x = tf.tensor1d(XS);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectClose(
      silu(x).dataSync(),
      XS.map((v) => v * sig(v)),
      1e-6,
      'silu',
    );
    expectClose(
      new SiLU().call(x).dataSync(),
      XS.map((v) => v * sig(v)),
      1e-6,
      'SiLU',
    );
    expectClose(
      new ReLU().call(x).dataSync(),
      XS.map((v) => Math.max(0, v)),
      1e-7,
      'relu',
    );
    expectClose(new Tanh().call(x).dataSync(), XS.map(Math.tanh), 1e-6, 'tanh');
    expectClose(new Sigmoid().call(x).dataSync(), XS.map(sig), 1e-6, 'sigmoid');
    const z = XS.reduce((a, v) => a + Math.exp(v), 0);
    expectClose(
      new Softmax().call(x).dataSync(),
      XS.map((v) => Math.exp(v) / z),
      1e-6,
      'softmax',
    );
    const m = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    expectClose(
      new Softmax(0).call(m).dataSync(),
      [
        1 / (1 + Math.E ** 2),
        1 / (1 + Math.E ** 2),
        Math.E ** 2 / (1 + Math.E ** 2),
        Math.E ** 2 / (1 + Math.E ** 2),
      ],
      1e-6,
      'softmax axis 0',
    );
    expect(new Identity().call(x)).toBe(x);
    x.dispose();
    m.dispose();
  });

  it('activationFromName maps Hugging Face hidden_act values and rejects unknown ones', () => {
    const x = tf.tensor1d(XS);
    const cases: Record<string, (v: number) => number> = {
      gelu: geluErf,
      gelu_new: geluTanh,
      gelu_pytorch_tanh: geluTanh,
      relu: (v) => Math.max(0, v),
      silu: (v) => v / (1 + Math.exp(-v)),
      swish: (v) => v / (1 + Math.exp(-v)),
      tanh: Math.tanh,
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      linear: (v) => v,
    };
    expect(Object.keys(cases).sort()).toEqual([...ACTIVATION_NAMES].sort());
    for (const [name, f] of Object.entries(cases)) {
      expectClose(activationFromName(name).call(x).dataSync(), XS.map(f), 2e-6, name);
    }
    expect(() => activationFromName('gelu_fast')).toThrow(
      /unknown activation 'gelu_fast' \(known: gelu, gelu_new/,
    );
    x.dispose();
  });
});
