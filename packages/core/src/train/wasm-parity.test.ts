import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { Parameter } from '../nn/parameter.js';
import { clipGradNorm, disposeGradients, hasNonFinite, valueAndGrads } from './gradients.js';
import { binaryCrossEntropyWithLogits } from './losses/binary-cross-entropy.js';
import { crossEntropy } from './losses/cross-entropy.js';
import { gaussianNllLoss } from './losses/gaussian-nll-loss.js';
import { huberLoss } from './losses/huber-loss.js';
import { mseLoss } from './losses/mse-loss.js';
import { AdamW } from './optim/adamw.js';
import type { Optimizer } from './optim/optimizer.js';
import { SGD } from './optim/sgd.js';

/** Three steps of every loss through a matMul, with clipping and both optimizers. */
async function run(backend: string): Promise<number[]> {
  await tf.setBackend(backend);
  const w = new Parameter(
    tf.tensor2d([
      [0.1, -0.2, 0.3],
      [0, 0.5, -0.4],
    ]),
  );
  const named = [['w', w] as const];
  const x = tf.tensor2d([
    [1, 2],
    [3, -1],
    [0.5, 0.5],
  ]);
  const y = tf.tensor1d([0, 2, 1], 'int32');
  const t = tf.tensor2d([
    [1, 0, 1],
    [0, 0, 1],
    [1, 1, 0],
  ]);
  const out: number[] = [];
  const optimizers: Optimizer[] = [
    new AdamW(named, { lr: 0.1, amsgrad: true }),
    new SGD(named, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  ];
  for (const opt of optimizers) {
    for (let i = 0; i < 3; i++) {
      const { value, grads } = valueAndGrads(named, () => {
        const logits = tf.matMul(x, w.variable);
        return tf.addN([
          crossEntropy(logits, y, { labelSmoothing: 0.1, classWeights: [1, 2, 3] }),
          binaryCrossEntropyWithLogits(logits, t, { posWeight: [1, 2, 3] }),
          mseLoss(logits, t),
          huberLoss(logits, t),
          gaussianNllLoss(logits, tf.add(tf.square(logits), 0.1), t),
        ]) as tf.Scalar;
      });
      const { grads: clipped, totalNorm } = clipGradNorm(grads, 0.5);
      expect(hasNonFinite(clipped)).toBe(false);
      opt.step(clipped);
      out.push(value.dataSync()[0]!, totalNorm);
      value.dispose();
      disposeGradients(grads);
      disposeGradients(clipped);
    }
    opt.dispose();
  }
  out.push(...w.variable.dataSync());
  tf.dispose([w.variable, x, y, t]);
  return out;
}

describe('backend parity', () => {
  it('losses, clipping and optimizers agree on cpu and wasm (the production backend)', async () => {
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm).toHaveLength(cpu.length);
    cpu.forEach((v, i) => {
      expect(Math.abs(wasm[i]! - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v)));
    });
  });
});
