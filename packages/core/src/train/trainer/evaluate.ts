import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../nn/module.js';
import type { BatchSource } from '../data/data-loader.js';
import type { Metric, MetricInput, MetricTargets, MetricUpdateContext } from '../metrics/metric.js';
import type { EvalOutput } from './fit-options.js';

export interface EvaluateOptions<M extends AnyModule, B> {
  model: M;
  loader: BatchSource<B>;
  loss: (model: M, batch: B) => tf.Scalar;
  evalStep?: ((model: M, batch: B) => EvalOutput) | undefined;
  metrics: readonly Metric[];
  /** Sees every batch's host predictions and targets, like a metric (the Trainer's class tally). */
  observe?:
    | ((predictions: MetricInput, targets: MetricTargets, context?: MetricUpdateContext) => void)
    | undefined;
}

/**
 * One pass over the eval loader in eval mode (dropout off): `loss` is the mean of the per-batch
 * losses (batches weigh equally), plus every metric's value. Record-valued metrics are flattened
 * to `<name>.<key>` (`precision_recall_f1.f1`). The loader's own state is untouched: every
 * evaluation sees epoch 0 of the eval data. The model is put back in train mode afterwards.
 *
 * @example
 * const metrics = await evaluate({ model, loader: evalLoader, loss, evalStep, metrics: [createMetric('accuracy')] });
 */
export async function evaluate<M extends AnyModule, B>(
  o: EvaluateOptions<M, B>,
): Promise<Record<string, number>> {
  const wasTraining = o.model.training;
  o.model.eval();
  for (const m of o.metrics) m.reset();
  let lossSum = 0;
  let batches = 0;
  try {
    for await (const batch of o.loader.epochBatches(0)) {
      try {
        const value = tf.tidy(() => o.loss(o.model, batch));
        lossSum += (await value.data())[0] as number;
        value.dispose();
        batches += 1;
        if (o.evalStep && (o.metrics.length || o.observe)) {
          const step = o.evalStep;
          // tidy keeps the returned tensors and frees the rest; host arrays pass through.
          const out = tf.tidy(
            () => step(o.model, batch) as unknown as tf.TensorContainer,
          ) as unknown as EvalOutput;
          try {
            const preds = await toHost(out.predictions);
            const targets = await toHost(out.targets);
            const context =
              out.thresholds === undefined && out.decode === undefined
                ? undefined
                : {
                    ...(out.thresholds === undefined ? {} : { thresholds: out.thresholds }),
                    ...(out.decode === undefined ? {} : { decode: out.decode }),
                  };
            for (const m of o.metrics) m.update(preds, targets, context);
            o.observe?.(preds, targets, context);
          } finally {
            disposeOutput(out);
          }
        }
      } finally {
        o.loader.disposeBatch(batch);
      }
    }
  } finally {
    o.model.train(wasTraining);
  }
  if (batches === 0) throw new Error(`evaluate: eval loader '${o.loader.name}' produced no batches`);
  const result: Record<string, number> = { loss: lossSum / batches };
  for (const m of o.metrics) {
    const v = m.compute();
    if (typeof v === 'number') result[m.name] = v;
    else for (const [k, x] of Object.entries(v)) result[`${m.name}.${k}`] = x;
  }
  return result;
}

/** Host arrays from a tensor: rank 2 as rows (`[N][C]` scores, `[N][K]` targets), else flat. */
async function toHost<T extends MetricInput | MetricTargets>(
  p: tf.Tensor | T,
): Promise<T | number[] | number[][]> {
  if (!(p instanceof tf.Tensor)) return p;
  if (p.rank === 2) return (await p.array()) as number[][];
  return Array.from(await p.data());
}

function disposeOutput(out: EvalOutput): void {
  if (out.predictions instanceof tf.Tensor) out.predictions.dispose();
  if (out.targets instanceof tf.Tensor) out.targets.dispose();
}
