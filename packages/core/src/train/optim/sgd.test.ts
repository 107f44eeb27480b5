import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../../nn/parameter.js';
import { SGD } from './sgd.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Ref {
  lr: number;
  wd?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

/** torch.optim.SGD written out in float64 for one flat parameter. */
function refSgd(p0: number[], grads: number[][], r: Ref): number[] {
  const { lr, wd = 0, momentum = 0, dampening = 0, nesterov = false } = r;
  const p = [...p0];
  let buf: number[] | undefined;
  for (const g0 of grads) {
    const g = g0.map((gi, i) => gi + wd * p[i]!);
    let d = g;
    if (momentum !== 0) {
      buf = buf ? buf.map((b, i) => momentum * b + (1 - dampening) * g[i]!) : [...g];
      const b = buf;
      d = nesterov ? g.map((gi, i) => gi + momentum * b[i]!) : b;
    }
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * d[i]!;
  }
  return p;
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 2e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

const P1 = [0.5, -1, 2];
const P2 = [0.3, -0.2];
const G1 = [
  [0.1, -0.2, 0.3],
  [0.05, 0.4, -0.1],
  [-0.3, 0.2, 0.25],
];
const G2 = [
  [1, -2],
  [0.5, 0.5],
  [-1, 0.3],
];

function train(opt: SGD, steps: number): void {
  for (let k = 0; k < steps; k++) {
    const grads = new Map([
      ['a', tf.tensor1d(G1[k]!)],
      ['b', tf.tensor1d(G2[k]!)],
    ]);
    opt.step(grads);
    tf.dispose([...grads.values()]);
  }
}

describe('SGD', () => {
  it.each([
    { name: 'plain', o: {} },
    { name: 'momentum + dampening', o: { momentum: 0.9, dampening: 0.3 } },
    { name: 'nesterov', o: { momentum: 0.8, nesterov: true } },
  ])('matches torch SGD ($name) over 3 steps with two groups', ({ o }) => {
    const a = new Parameter(tf.tensor1d(P1));
    const b = new Parameter(tf.tensor1d(P2));
    const opt = new SGD(
      [
        { params: [['a', a]], lr: 0.1, weightDecay: 0.05 },
        { params: [['b', b]], lr: 0.02 },
      ],
      o,
    );
    train(opt, 3);
    expectClose(a.variable.dataSync(), refSgd(P1, G1, { lr: 0.1, wd: 0.05, ...o }));
    expectClose(b.variable.dataSync(), refSgd(P2, G2, { lr: 0.02, ...o }));
    const slots = o.momentum ? 2 : 0;
    expect(opt.getState().tensors.size).toBe(slots);
    expect(opt.stateBytes()).toBe(o.momentum ? (3 + 2) * 4 : 0);
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  it('rejects nesterov without momentum or with dampening, as torch', () => {
    const a = new Parameter(tf.tensor1d([1]));
    expect(() => new SGD([['a', a] as const], { nesterov: true })).toThrow(/nesterov/);
    expect(() => new SGD([['a', a] as const], { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(
      /dampening = 0/,
    );
    a.dispose();
  });

  it('resumes bit-identically', () => {
    const a = new Parameter(tf.tensor1d(P1));
    const b = new Parameter(tf.tensor1d(P2));
    const o = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 };
    const opt = new SGD([['a', a] as const, ['b', b] as const], o);
    train(opt, 2);
    const state = opt.getState();
    const a2 = new Parameter(a.variable.clone());
    const b2 = new Parameter(b.variable.clone());
    const opt2 = new SGD([['a', a2] as const, ['b', b2] as const], o);
    opt2.setState(state);
    tf.dispose([...state.tensors.values()]);
    const grads = new Map([
      ['a', tf.tensor1d(G1[2]!)],
      ['b', tf.tensor1d(G2[2]!)],
    ]);
    opt.step(grads);
    opt2.step(grads);
    tf.dispose([...grads.values()]);
    expect(Array.from(a2.variable.dataSync())).toEqual(Array.from(a.variable.dataSync()));
    expect(Array.from(b2.variable.dataSync())).toEqual(Array.from(b.variable.dataSync()));
    opt.dispose();
    opt2.dispose();
    tf.dispose([a.variable, b.variable, a2.variable, b2.variable]);
  });
});
