import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../nn/module.js';
import { withTrainingLoss } from '../../nn/training-hooks.js';
import { getRng, setSeed } from '../../runtime/random.js';
import type { BatchSource } from '../data/data-loader.js';
import { disposeGradients } from '../gradients.js';
import { applySchedule } from '../lr-schedule.js';
import type { NamedParameter } from '../param-groups.js';
import { buildOptimizer } from '../trainer/build-optimizer.js';
import type { OptimizerConfig } from '../trainer/fit-options.js';
import { GradientAccumulator } from '../trainer/gradient-accumulator.js';
import { resolveFitOptions } from '../trainer/resolve-options.js';
import { type LrSuggestion, suggestLr } from './suggest-lr.js';

export interface FindLrOptions<M extends AnyModule, B> {
  /** The model as it will be trained (a `PeftModel`, or a base for full fine-tuning). */
  model: M;
  /** Default: `model.namedParameters({ trainableOnly: true })`. */
  trainableParameters?: readonly NamedParameter[];
  train: BatchSource<B>;
  loss: (model: M, batch: B) => tf.Scalar;
  /** The run's optimizer; its `lr` is ignored (swept). LoRA+ groups keep their ratio. */
  optimizer?: OptimizerConfig;
  /** Global-norm clipping as in training (default 1.0; null disables). */
  maxGradNorm?: number | null;
  /** Lowest learning rate of the sweep (default 1e-7). */
  minLr?: number;
  /** Highest learning rate of the sweep (default 1). */
  maxLr?: number;
  /** Optimizer steps of the sweep, one batch each (default 100); the loader repeats epochs as needed. */
  steps?: number;
  /** Weight of the newest loss in the exponential moving average (default 0.05). */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of its minimum (default 4). */
  divergeFactor?: number;
  /** Seed of the sweep's data order and dropout (default 42). */
  seed?: number;
}

/** One learning-rate range test. */
export interface LrFinderResult {
  /** Learning rate of each step (group 0's, for LoRA+ the A matrices'). */
  lrs: number[];
  /** Raw mean loss of each step's batch. */
  losses: number[];
  /** Debiased exponential moving average of `losses`. */
  smoothed: number[];
  suggestion: LrSuggestion;
  /** `diverged` when the loss blew up before `maxLr`, else `completed`. */
  stop: 'completed' | 'diverged';
  minLr: number;
  maxLr: number;
}

/**
 * A learning-rate range test (Smith 2017; fastai's `lr_find`): from `minLr` to `maxLr` over
 * `steps` optimizer steps, the learning rate grows exponentially, one batch per step, with the
 * run's optimizer, parameter groups, clipping and loss (the Trainer's `GradientAccumulator` and
 * optimizer factory). It stops early when the loss diverges (non-finite, or the smoothed loss
 * above `divergeFactor` x its minimum), then picks a learning rate with {@link suggestLr}.
 *
 * Nothing is left changed: the trainable parameters and buffers are restored to their values
 * before the sweep, the optimizer state is disposed, the process RNG is restored and the loader
 * reset, and no tensor outlives the call.
 *
 * @example
 * const r = await findLearningRate({ model: peft, train: loader, loss, optimizer: { name: 'adamw' } });
 * console.log(r.suggestion.lr, r.suggestion.rule);
 */
export async function findLearningRate<M extends AnyModule, B>(
  o: FindLrOptions<M, B>,
): Promise<LrFinderResult> {
  const minLr = o.minLr ?? 1e-7;
  const maxLr = o.maxLr ?? 1;
  const steps = o.steps ?? 100;
  const beta = 1 - (o.smoothing ?? 0.05);
  const divergeFactor = o.divergeFactor ?? 4;
  if (!(minLr > 0 && maxLr > minLr))
    throw new Error(`findLearningRate: need 0 < minLr < maxLr, got ${minLr}, ${maxLr}`);
  if (!Number.isInteger(steps) || steps < 5)
    throw new Error(`findLearningRate: steps must be an integer >= 5, got ${steps}`);
  if (!(beta > 0 && beta < 1))
    throw new Error(`findLearningRate: smoothing must be in (0, 1), got ${o.smoothing}`);
  // The Trainer's validation and defaults for the optimizer and clipping.
  const resolved = resolveFitOptions({
    model: o.model,
    train: o.train,
    loss: o.loss,
    maxSteps: steps,
    optimizer: { ...o.optimizer, lr: minLr },
    ...(o.maxGradNorm !== undefined ? { maxGradNorm: o.maxGradNorm } : {}),
  });
  const named = [...(o.trainableParameters ?? o.model.namedParameters({ trainableOnly: true }))];
  if (named.length === 0) throw new Error('findLearningRate: the model has no trainable parameters');
  const kept = [...named.map(([, p]) => p), ...o.model.namedBuffers().map(([, p]) => p)];
  const snapshot = kept.map((p) => tf.clone(p.value));
  const rngState = getRng().getState();
  const wasTraining = o.model.training;
  const optimizer = buildOptimizer(named, resolved.optimizerConfig);
  const acc = new GradientAccumulator(named);
  const baseLrs = optimizer.groups.map((g) => g.lr);
  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  let stop: LrFinderResult['stop'] = 'completed';
  try {
    setSeed(o.seed ?? 42);
    o.train.reset();
    o.train.initSeed();
    o.model.train();
    let avg = 0;
    let best = Number.POSITIVE_INFINITY;
    sweep: for (;;) {
      let any = false;
      for await (const batch of o.train) {
        any = true;
        const i = lrs.length;
        const lr = minLr * (maxLr / minLr) ** (i / (steps - 1));
        try {
          // The model's own training term (AdaLoRA's regulariser) is part of what is minimised.
          acc.add(() => withTrainingLoss(o.model, o.loss(o.model, batch)));
        } finally {
          o.train.disposeBatch(batch);
        }
        const r = acc.finish(resolved.clipNorm);
        try {
          if (!Number.isFinite(r.meanLoss) || !Number.isFinite(r.totalNorm)) {
            stop = 'diverged';
            break sweep;
          }
          applySchedule(optimizer, baseLrs, lr / minLr);
          optimizer.step(r.grads);
        } finally {
          disposeGradients(r.grads);
        }
        avg = beta * avg + (1 - beta) * r.meanLoss;
        const s = avg / (1 - beta ** (i + 1));
        lrs.push(lr);
        losses.push(r.meanLoss);
        smoothed.push(s);
        best = Math.min(best, s);
        if (i > 0 && s > divergeFactor * best) {
          stop = 'diverged';
          break sweep;
        }
        if (lrs.length >= steps) break sweep;
      }
      if (!any) throw new Error(`findLearningRate: train loader '${o.train.name}' produced no batches`);
    }
  } finally {
    acc.dispose();
    optimizer.dispose();
    kept.forEach((p, k) => {
      p.assign(snapshot[k]!);
      snapshot[k]!.dispose();
    });
    o.model.train(wasTraining);
    o.train.reset();
    getRng().setState(rngState);
  }
  if (lrs.length < 3) {
    throw new Error(
      `findLearningRate: the loss diverged after ${lrs.length} step(s) from lr ${minLr}; lower minLr`,
    );
  }
  return { lrs, losses, smoothed, suggestion: suggestLr(lrs, smoothed, { losses }), stop, minLr, maxLr };
}
