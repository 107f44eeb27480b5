import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { clipGradNorm, disposeGradients, valueAndGrads } from '../gradients.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import { applySchedule, createSchedule } from '../lr-schedule.js';
import { defaultParamGroups } from '../param-groups.js';
import { AdamW } from './adamw.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two-layer MLP: 4 -> 8 -> 3, with a frozen first layer bias to exercise trainableOnly. */
class Tiny extends Module {
  readonly w1: Parameter;
  readonly b1: Parameter;
  readonly w2: Parameter;
  readonly b2: Parameter;
  constructor() {
    super();
    this.w1 = this.registerParameter('w1', tf.randomNormal([4, 8], 0, 0.5, 'float32', 1));
    this.b1 = this.registerParameter('b1', tf.zeros([8]), { trainable: false });
    this.w2 = this.registerParameter('w2', tf.randomNormal([8, 3], 0, 0.5, 'float32', 2));
    this.b2 = this.registerParameter('b2', tf.zeros([3]));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const h = tf.relu(tf.add(tf.matMul(x, this.w1.variable), this.b1.variable));
    return tf.add(tf.matMul(h, this.w2.variable), this.b2.variable);
  }
}

describe('training step memory', () => {
  it('50 AdamW steps keep tf.memory().numTensors constant after the first step', () => {
    const model = new Tiny();
    const named = model.namedParameters({ trainableOnly: true });
    const opt = new AdamW(defaultParamGroups(named, { weightDecay: 0.01 }), { lr: 0.05 });
    const schedule = createSchedule({ kind: 'linear', warmupSteps: 5, totalSteps: 50 });
    const baseLrs = opt.groups.map((g) => g.lr);
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 3);
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      applySchedule(opt, baseLrs, schedule(opt.stepCount));
      const { value, grads } = valueAndGrads(named, () => crossEntropy(model.call(x), y) as tf.Scalar);
      const { grads: clipped } = clipGradNorm(grads, 1);
      opt.step(clipped);
      losses.push(value.dataSync()[0]!);
      value.dispose();
      disposeGradients(grads);
      disposeGradients(clipped);
      counts.push(tf.memory().numTensors);
    }
    // State (3 trainable parameters x exp_avg, exp_avg_sq) is created during step 1; after that
    // every step must free everything it allocates.
    expect(new Set(counts).size).toBe(1);
    expect(opt.stateBytes()).toBe(2 * (32 + 24 + 3) * 4);
    const state = opt.getState();
    expect(state.hyper.paramSteps).toEqual({ w1: 50, w2: 50, b2: 50 });
    tf.dispose([...state.tensors.values()]);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    opt.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
