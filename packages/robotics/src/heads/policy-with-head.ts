import { type AnyModule, Dropout, Linear, Module } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** The policy trunk (`policy`) with an action head (`action_head`) producing `[B, outputs]`. */
export class PolicyWithHead extends Module<[tf.Tensor], tf.Tensor> {
  constructor(base: AnyModule, features: number, outputs: number, dropout: number) {
    super();
    this.registerModule('policy', base);
    this.registerModule('dropout', new Dropout(dropout));
    this.registerModule('action_head', new Linear(features, outputs));
  }

  forward(observation: tf.Tensor): tf.Tensor {
    const h = this.child('policy').forward(observation);
    return this.child('action_head').forward(this.child('dropout').forward(h));
  }
}

/** The action width from the policy's config (`action_dim`, filled from the data). */
export function actionDimOf(baseConfig: unknown, head: string): number {
  const dim = (baseConfig as { action_dim?: unknown } | undefined)?.action_dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) {
    throw new Error(
      `${head}: the policy config has no action_dim (the robotics/policy-input preprocessor fills it)`,
    );
  }
  return dim;
}

export function featuresOf(features: number | undefined, head: string): number {
  if (features === undefined) throw new Error(`${head}: the architecture does not declare outputFeatures`);
  return features;
}

export function actionTargets(batch: { targets?: tf.Tensor | undefined }, head: string): tf.Tensor {
  if (!batch.targets) throw new Error(`${head}: the batch has no actions`);
  return batch.targets;
}
