import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../../nn/parameter.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Ref {
  lr: number;
  wd: number;
  b1?: number;
  b2?: number;
  eps?: number;
  decoupled?: boolean;
  amsgrad?: boolean;
}

/** torch.optim.AdamW / Adam, written out in float64 for one flat parameter. */
function refAdam(p0: number[], grads: number[][], r: Ref): number[] {
  const { lr, wd, b1 = 0.9, b2 = 0.999, eps = 1e-8, decoupled = true, amsgrad = false } = r;
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vMax = p.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      let gi = g[i]!;
      if (decoupled) p[i] = p[i]! * (1 - lr * wd);
      else gi += wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      vMax[i] = Math.max(vMax[i]!, v[i]!);
      const denom = Math.sqrt(amsgrad ? vMax[i]! : v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denom);
    }
  });
  return p;
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 2e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

const P1 = [0.5, -1, 2];
const P2 = [0.3, -0.2, 0.1, 0.7];
const G1 = [
  [0.1, -0.2, 0.3],
  [0.05, 0.4, -0.1],
  [-0.3, 0.2, 0.25],
];
const G2 = [
  [1, -2, 0.5, 0.01],
  [0.5, 0.5, -0.5, 0.2],
  [-1, 0.3, 0.1, -0.02],
];

function setup() {
  const a = new Parameter(tf.tensor1d(P1));
  const b = new Parameter(tf.tensor2d(P2, [2, 2]));
  return { a, b };
}

function run(opt: AdamW, steps: number, from = 0): void {
  for (let k = from; k < from + steps; k++) {
    const grads = new Map<string, tf.Tensor>([
      ['enc.w', tf.tensor1d(G1[k]!)],
      ['head.w', tf.tensor2d(G2[k]!, [2, 2])],
    ]);
    opt.step(grads);
    for (const g of grads.values()) g.dispose();
  }
}

describe('AdamW', () => {
  it('matches torch AdamW over 3 steps with two groups of different lr / weight decay', () => {
    const { a, b } = setup();
    const opt = new AdamW(
      [
        { params: [['enc.w', a]], lr: 0.1, weightDecay: 0.1 },
        { params: [['head.w', b]], lr: 0.01, weightDecay: 0 },
      ],
      { betas: [0.9, 0.99] },
    );
    run(opt, 3);
    expectClose(a.variable.dataSync(), refAdam(P1, G1, { lr: 0.1, wd: 0.1, b2: 0.99 }));
    expectClose(b.variable.dataSync(), refAdam(P2, G2, { lr: 0.01, wd: 0, b2: 0.99 }));
    expect(opt.stepCount).toBe(3);
    opt.dispose();
  });

  it('supports amsgrad', () => {
    const { a, b } = setup();
    const opt = new AdamW([['enc.w', a] as const, ['head.w', b] as const], {
      lr: 0.05,
      weightDecay: 0.2,
      amsgrad: true,
    });
    run(opt, 3);
    expectClose(a.variable.dataSync(), refAdam(P1, G1, { lr: 0.05, wd: 0.2, amsgrad: true }));
    expectClose(b.variable.dataSync(), refAdam(P2, G2, { lr: 0.05, wd: 0.2, amsgrad: true }));
    expect(opt.stateBytes()).toBe(3 * (3 + 4) * 4);
    opt.dispose();
  });

  it('Adam applies weight decay as L2 on the gradient (torch.optim.Adam)', () => {
    const { a, b } = setup();
    const opt = new Adam([{ params: [['enc.w', a]], weightDecay: 0.3 }, { params: [['head.w', b]] }], {
      lr: 0.02,
    });
    run(opt, 3);
    expectClose(a.variable.dataSync(), refAdam(P1, G1, { lr: 0.02, wd: 0.3, decoupled: false }));
    expectClose(b.variable.dataSync(), refAdam(P2, G2, { lr: 0.02, wd: 0, decoupled: false }));
    expect(opt.groups[1]!.weightDecay).toBe(0);
    opt.dispose();
  });

  it('skips parameters without a gradient, keeping their own step count for bias correction', () => {
    const { a, b } = setup();
    const opt = new AdamW([['enc.w', a] as const, ['head.w', b] as const], { lr: 0.1, weightDecay: 0.1 });
    const g1 = tf.tensor1d(G1[0]!);
    opt.step(new Map([['enc.w', g1]]));
    expect(Array.from(b.variable.dataSync())).toEqual(Array.from(new Float32Array(P2)));
    const g2 = tf.tensor2d(G2[0]!, [2, 2]);
    opt.step(new Map([['head.w', g2]]));
    // head.w sees its first update at optimizer step 2: bias correction with t = 1.
    expectClose(b.variable.dataSync(), refAdam(P2, [G2[0]!], { lr: 0.1, wd: 0.1 }));
    expect(opt.getState().hyper.paramSteps).toEqual({ 'enc.w': 1, 'head.w': 1 });
    tf.dispose([g1, g2]);
    opt.dispose();
  });

  it('rejects unknown paths, shape and dtype mismatches before changing anything', () => {
    const { a, b } = setup();
    const opt = new AdamW([['enc.w', a] as const, ['head.w', b] as const]);
    const good = tf.tensor1d([1, 1, 1]);
    const wrong = tf.tensor1d([1, 1]);
    const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    expect(() =>
      opt.step(
        new Map([
          ['enc.w', good],
          ['enc.bias', good],
        ]),
      ),
    ).toThrow(/unknown parameters: enc\.bias/);
    expect(() => opt.step(new Map([['enc.w', wrong]]))).toThrow(
      /enc\.w: gradient shape \[2\] != parameter shape \[3\]/,
    );
    expect(() => opt.step(new Map([['head.w', ints]]))).toThrow(/dtype int32/);
    expect(opt.stepCount).toBe(0);
    expect(Array.from(a.variable.dataSync())).toEqual(P1);
    tf.dispose([good, wrong, ints]);
    opt.dispose();
  });

  it('rejects frozen, duplicated and shared parameters at construction', () => {
    const { a, b } = setup();
    b.trainable = false;
    expect(() => new AdamW([['enc.w', a] as const, ['head.w', b] as const])).toThrow(/frozen.*head\.w/);
    expect(() => new AdamW([{ params: [['x', a]] }, { params: [['x', a]] }])).toThrow(/more than one group/);
    expect(() => new AdamW([['x', a] as const, ['y', a] as const])).toThrow(/same Parameter/);
    expect(() => new AdamW([])).toThrow(/no parameters/);
    expect(() => new AdamW([['x', a] as const], { betas: [1, 0.9] })).toThrow(/betas\[0\]/);
  });

  it('round-trips state so the next update is bit-identical', () => {
    const first = setup();
    const opt1 = new AdamW(
      [
        { name: 'enc', params: [['enc.w', first.a]], lr: 0.1, weightDecay: 0.1 },
        { name: 'head', params: [['head.w', first.b]], lr: 0.01 },
      ],
      { amsgrad: true },
    );
    run(opt1, 2);
    const state = opt1.getState();
    const snapA = first.a.variable.clone();
    const snapB = first.b.variable.clone();
    expect([...state.tensors.keys()].sort()).toEqual([
      'exp_avg.enc.w',
      'exp_avg.head.w',
      'exp_avg_sq.enc.w',
      'exp_avg_sq.head.w',
      'max_exp_avg_sq.enc.w',
      'max_exp_avg_sq.head.w',
    ]);
    // The snapshot must survive more updates of the original (it is a copy).
    run(opt1, 1, 2);
    const a2 = new Parameter(snapA);
    const b2 = new Parameter(snapB);
    // Deliberately different hyper-parameters: setState restores the saved ones, as torch does.
    const opt2 = new AdamW(
      [
        { name: 'enc', params: [['enc.w', a2]], lr: 1 },
        { name: 'head', params: [['head.w', b2]], lr: 1 },
      ],
      { amsgrad: false, betas: [0.5, 0.5] },
    );
    // hyper goes through JSON as it would in a checkpoint file.
    opt2.setState({ ...state, hyper: JSON.parse(JSON.stringify(state.hyper)) });
    tf.dispose([...state.tensors.values()]);
    expect(opt2.stepCount).toBe(2);
    expect(opt2.groups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    run(opt2, 1, 2);
    expect(Array.from(a2.variable.dataSync())).toEqual(Array.from(first.a.variable.dataSync()));
    expect(Array.from(b2.variable.dataSync())).toEqual(Array.from(first.b.variable.dataSync()));
    tf.dispose([snapA, snapB]);
    opt1.dispose();
    opt2.dispose();
  });

  it('hyper is plain JSON and setState validates what it is given', () => {
    const { a, b } = setup();
    const opt = new AdamW([['enc.w', a] as const, ['head.w', b] as const]);
    run(opt, 1);
    const state = opt.getState();
    expect(JSON.parse(JSON.stringify(state.hyper))).toEqual(state.hyper);
    const other = new AdamW([['enc.w', a] as const]);
    expect(() => other.setState(state)).toThrow(/parameters differ.*only in state: head\.w/);
    const sgdLike = { ...state, hyper: { ...state.hyper, kind: 'sgd' } };
    expect(() => opt.setState(sgdLike)).toThrow(/state is for 'sgd'/);
    const bad = new Map(state.tensors);
    const wrongShape = tf.zeros([5]);
    bad.set('exp_avg.enc.w', wrongShape);
    expect(() => opt.setState({ ...state, tensors: bad })).toThrow(/'exp_avg\.enc\.w' is float32\[5\]/);
    const missing = new Map(state.tensors);
    missing.delete('exp_avg_sq.head.w');
    expect(() => opt.setState({ ...state, tensors: missing })).toThrow(
      /missing tensor 'exp_avg_sq\.head\.w'/,
    );
    tf.dispose([...state.tensors.values(), wrongShape]);
    opt.dispose();
    other.dispose();
  });

  it('zeroState forgets moments and step counts; dispose frees every state tensor', () => {
    const { a, b } = setup();
    const before = tf.memory().numTensors;
    const opt = new AdamW([['enc.w', a] as const, ['head.w', b] as const]);
    run(opt, 2);
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(opt.stateBytes()).toBe(2 * 7 * 4);
    opt.zeroState();
    expect(opt.stepCount).toBe(0);
    expect(opt.stateBytes()).toBe(0);
    run(opt, 1);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => opt.step(new Map())).toThrow(/disposed/);
  });
});
