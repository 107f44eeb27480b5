import { crossEntropy, gaussianNllLoss, type Head, huberLoss, mseLoss, z } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { actionDimOf, actionTargets, featuresOf, PolicyWithHead } from './policy-with-head.js';

const dropout = z.number().min(0).lt(1).default(0);

/** Predictions as `value` arrays of (normalised) actions; the preprocessor maps them back. */
async function actionPredictions(actions: tf.Tensor): Promise<{ value: number[] }[]> {
  const rows = (await actions.array()) as number[][];
  return rows.map((value) => ({ value }));
}

export const deterministicActionConfig = z.strictObject({
  /** `tanh` bounds actions to [-1, 1] in normalised units: pair it with min_max normalisation. */
  squash: z.enum(['none', 'tanh']).default('none'),
  loss: z.enum(['mse', 'huber']).default('mse'),
  dropout,
});
export type DeterministicActionConfig = z.output<typeof deterministicActionConfig>;

const squashed = (out: tf.Tensor, c: DeterministicActionConfig | undefined) =>
  c?.squash === 'tanh' ? tf.tanh(out) : out;

/** Regresses the action directly (behaviour cloning with MSE or Huber loss). */
export const deterministicActionHead: Head<DeterministicActionConfig, tf.Tensor> = {
  id: 'robotics/deterministic-action',
  task: 'action-regression',
  description: 'linear action head (optionally tanh-squashed), MSE or Huber loss on normalised actions',
  configSchema: deterministicActionConfig,
  defaultMetrics: ['mse'],
  build: ({ base, features, baseConfig, config }) => ({
    model: new PolicyWithHead(
      base,
      featuresOf(features, 'robotics/deterministic-action'),
      actionDimOf(baseConfig, 'robotics/deterministic-action'),
      config.dropout,
    ),
    basePath: 'policy',
    headPaths: ['action_head'],
  }),
  loss(out, batch, context) {
    const pred = squashed(out, context?.config);
    const target = actionTargets(batch, 'robotics/deterministic-action');
    return (context?.config.loss === 'huber' ? huberLoss(pred, target) : mseLoss(pred, target)) as tf.Scalar;
  },
  metricInputs: (out, batch, context) => ({
    predictions: squashed(out, context?.config).reshape([-1]),
    targets: actionTargets(batch, 'robotics/deterministic-action').reshape([-1]),
  }),
  predict: async (out, { config }) => {
    const a = squashed(out, config);
    try {
      return await actionPredictions(a);
    } finally {
      if (a !== out) a.dispose();
    }
  },
};

export const gaussianActionConfig = z.strictObject({
  minLogStd: z.number().default(-5),
  maxLogStd: z.number().default(2),
  dropout,
});
export type GaussianActionConfig = z.output<typeof gaussianActionConfig>;

/** Splits `[B, 2A]` outputs into mean and variance (log-std clamped to the configured range). */
function meanAndVariance(out: tf.Tensor, c: GaussianActionConfig | undefined): [tf.Tensor, tf.Tensor] {
  const a = (out.shape[1] as number) / 2;
  const [mean, logStd] = tf.split(out, [a, a], 1) as [tf.Tensor, tf.Tensor];
  const clamped = tf.clipByValue(logStd, c?.minLogStd ?? -5, c?.maxLogStd ?? 2);
  return [mean, tf.exp(clamped.mul(2))];
}

/** A diagonal Gaussian over actions, trained by negative log-likelihood; predicts its mean. */
export const gaussianActionHead: Head<GaussianActionConfig, tf.Tensor> = {
  id: 'robotics/gaussian-action',
  task: 'action-regression',
  description: 'diagonal Gaussian action head (mean and clamped log-std), Gaussian NLL; predicts the mean',
  configSchema: gaussianActionConfig,
  defaultMetrics: ['mse'],
  build: ({ base, features, baseConfig, config }) => ({
    model: new PolicyWithHead(
      base,
      featuresOf(features, 'robotics/gaussian-action'),
      2 * actionDimOf(baseConfig, 'robotics/gaussian-action'),
      config.dropout,
    ),
    basePath: 'policy',
    headPaths: ['action_head'],
  }),
  loss(out, batch, context) {
    const [mean, variance] = meanAndVariance(out, context?.config);
    return gaussianNllLoss(mean, variance, actionTargets(batch, 'robotics/gaussian-action')) as tf.Scalar;
  },
  metricInputs: (out, batch, context) => ({
    predictions: meanAndVariance(out, context?.config)[0].reshape([-1]),
    targets: actionTargets(batch, 'robotics/gaussian-action').reshape([-1]),
  }),
  predict: async (out, { config }) => {
    const mean = tf.tidy(() => meanAndVariance(out, config)[0]);
    try {
      return await actionPredictions(mean);
    } finally {
      mean.dispose();
    }
  },
};

export const binnedActionConfig = z.strictObject({
  /** Bins per action dimension, evenly spaced over `range` (normalised units). */
  bins: z.number().int().min(2).max(256).default(21),
  /** Normalised action range the bins cover; targets outside are clipped to the end bins. */
  range: z.tuple([z.number(), z.number()]).default([-1, 1]),
  /** `expectation` (probability-weighted bin centres, smooth) or `argmax` (most likely bin). */
  decode: z.enum(['expectation', 'argmax']).default('expectation'),
  labelSmoothing: z.number().min(0).lt(1).default(0),
  dropout,
});
export type BinnedActionConfig = z.output<typeof binnedActionConfig>;

const binnedDefaults = binnedActionConfig.parse({});

function centres(c: BinnedActionConfig): tf.Tensor1D {
  const [lo, hi] = c.range;
  return tf.linspace(lo, hi, c.bins);
}

/** `[B, A*K]` logits as `[B*A, K]`. */
const perDimension = (out: tf.Tensor, k: number) => out.reshape([-1, k]);

function decodeBins(out: tf.Tensor, c: BinnedActionConfig): tf.Tensor {
  return tf.tidy(() => {
    const logits = perDimension(out, c.bins);
    const mid = centres(c);
    const values =
      c.decode === 'argmax'
        ? tf.gather(mid, tf.argMax(logits, 1))
        : tf.sum(tf.softmax(logits).mul(mid.reshape([1, -1])), 1);
    return values.reshape([out.shape[0] as number, -1]);
  });
}

/** Each action dimension classified into bins (RT-1/OpenVLA style); cross-entropy per dimension. */
export const binnedActionHead: Head<BinnedActionConfig, tf.Tensor> = {
  id: 'robotics/binned-action',
  task: 'action-classification',
  description: 'discretised actions: per-dimension classification over evenly spaced bins, cross-entropy',
  configSchema: binnedActionConfig,
  defaultMetrics: ['mse'],
  build({ base, features, baseConfig, config }) {
    if (!(config.range[1] > config.range[0]))
      throw new Error(`robotics/binned-action: range [${config.range}] must increase`);
    return {
      model: new PolicyWithHead(
        base,
        featuresOf(features, 'robotics/binned-action'),
        config.bins * actionDimOf(baseConfig, 'robotics/binned-action'),
        config.dropout,
      ),
      basePath: 'policy',
      headPaths: ['action_head'],
    };
  },
  loss(out, batch, context) {
    const c = context?.config ?? binnedDefaults;
    const [lo, hi] = c.range;
    const target = actionTargets(batch, 'robotics/binned-action').reshape([-1]);
    const ids = tf
      .round(
        tf
          .clipByValue(target, lo, hi)
          .sub(lo)
          .div((hi - lo) / (c.bins - 1)),
      )
      .toInt();
    return crossEntropy(perDimension(out, c.bins), ids, { labelSmoothing: c.labelSmoothing }) as tf.Scalar;
  },
  metricInputs: (out, batch, context) => ({
    predictions: decodeBins(out, context?.config ?? binnedDefaults).reshape([-1]),
    targets: actionTargets(batch, 'robotics/binned-action').reshape([-1]),
  }),
  predict: async (out, { config }) => {
    const values = decodeBins(out, config ?? binnedDefaults);
    try {
      return await actionPredictions(values);
    } finally {
      values.dispose();
    }
  },
};

/** Every robotics action head. */
export const actionHeads = [deterministicActionHead, gaussianActionHead, binnedActionHead] as const;
