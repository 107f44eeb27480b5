import * as tf from '@tensorflow/tfjs';
import { Conv1d } from '../../nn/conv1d.js';
import { Conv2d } from '../../nn/conv2d.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import type { AnyModule } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import type { LoraModuleKind } from '../../peft/methods/lora/rank-cost.js';
import { getRng, setSeed } from '../../runtime/random.js';
import type { BatchSource } from '../data/data-loader.js';
import { valueAndGrads } from '../gradients.js';
import type { NamedParameter } from '../param-groups.js';

/** One weight LoRA could adapt, with how much the loss depends on it. */
export interface ModuleSensitivity {
  /** Module path in the scored model. */
  readonly path: string;
  readonly kind: LoraModuleKind;
  /** `in` features or channels; `numEmbeddings` for an Embedding. */
  readonly inFeatures: number;
  /** `out` features or channels; `embeddingDim` for an Embedding. */
  readonly outFeatures: number;
  /** Mean over batches of `sum |W ⊙ dL/dW|` (see {@link scoreModuleSensitivity}). */
  readonly score: number;
}

export interface ModuleSensitivityOptions<M extends AnyModule, B> {
  readonly model: M;
  /**
   * Paths of the modules to score: `Linear`, `Embedding`, `Conv1d` or `Conv2d`, the kinds LoRA
   * wraps (other kinds are refused).
   */
  readonly paths: readonly string[];
  readonly batches: BatchSource<B>;
  /** The run's loss on one batch. Called with the model in eval mode (no dropout noise). */
  readonly loss: (model: M, batch: B) => tf.Scalar;
  /** Batches to average over (the loader repeats epochs as needed). */
  readonly maxBatches: number;
  readonly seed: number;
}

/**
 * Scores module weights by first-order Taylor sensitivity, the importance AdaLoRA (Zhang et
 * al., 2023) allocates ranks by and Molchanov et al. (2019) prune with: `I(W) = sum_ij |W_ij *
 * dL/dW_ij|`, the loss change a first-order expansion predicts when the weight is removed. It is
 * averaged over `maxBatches` batches (absolute value per batch, as AdaLoRA's per-step
 * sensitivity). One LoRA factor starts at zero (`B`; `A` on an Embedding), so the gradient of a
 * fresh adapter says nothing about the other; the base weight's own sensitivity does. One gradient pass per batch, inside
 * `tf.tidy`; the model's weights, mode and the RNG are left as they were.
 *
 * The weight scored is the module's `weight`: the matrix of a `Linear`, the table of an
 * `Embedding`, the kernel of a convolution. The score is a predicted loss change, in the loss's
 * units whatever the kind, so scores of different kinds can be compared (what a rank costs on
 * each is the allocator's business). An Embedding's gradient is non-zero only on the rows of
 * the tokens the scored batches contain, so its score measures the table as this data uses it:
 * rows the data never reaches contribute nothing, as they would contribute nothing to training.
 */
export async function scoreModuleSensitivity<M extends AnyModule, B>(
  o: ModuleSensitivityOptions<M, B>,
): Promise<ModuleSensitivity[]> {
  if (!Number.isInteger(o.maxBatches) || o.maxBatches < 1) {
    throw new Error(`scoreModuleSensitivity: maxBatches must be a positive integer, got ${o.maxBatches}`);
  }
  const modules = o.paths.map((p) => {
    const m = scoredModule(o.model.getSubmodule(p));
    if (!m) {
      throw new Error(
        `scoreModuleSensitivity: ${p} is not a Linear, Embedding, Conv1d or Conv2d module (got ${o.model.getSubmodule(p).typeName})`,
      );
    }
    return m;
  });
  const named: NamedParameter[] = modules.map((m, i) => [o.paths[i]!, m.weight]);
  // Gradients need trainable weights; a frozen base is unfrozen only for the scoring pass.
  const wasTrainable = named.map(([, p]) => p.trainable);
  for (const [, p] of named) p.trainable = true;
  const wasTraining = o.model.training;
  const rngState = getRng().getState();
  const totals = new Float64Array(named.length);
  let seen = 0;
  try {
    setSeed(o.seed);
    o.batches.reset();
    o.batches.initSeed();
    o.model.eval();
    while (seen < o.maxBatches) {
      let any = false;
      for await (const batch of o.batches) {
        any = true;
        let scores: tf.Tensor;
        try {
          scores = tf.tidy(() => {
            const { grads } = valueAndGrads(named, () => o.loss(o.model, batch));
            return tf.stack(
              named.map(([path, p]) => {
                const g = grads.get(path);
                return g ? tf.sum(tf.abs(tf.mul(p.value, g))) : tf.scalar(0);
              }),
            );
          });
        } finally {
          o.batches.disposeBatch(batch);
        }
        const values = scores.dataSync();
        scores.dispose();
        values.forEach((v, i) => {
          totals[i]! += v;
        });
        seen += 1;
        if (seen >= o.maxBatches) break;
      }
      if (!any) throw new Error(`scoreModuleSensitivity: loader '${o.batches.name}' produced no batches`);
    }
  } finally {
    named.forEach(([, p], i) => {
      p.trainable = wasTrainable[i]!;
    });
    o.model.train(wasTraining);
    o.batches.reset();
    getRng().setState(rngState);
  }
  return modules.map((m, i) => {
    const score = totals[i]! / seen;
    if (!Number.isFinite(score)) {
      throw new Error(
        `scoreModuleSensitivity: the sensitivity of ${o.paths[i]} is not finite (loss diverged?)`,
      );
    }
    return { path: o.paths[i]!, kind: m.kind, inFeatures: m.inFeatures, outFeatures: m.outFeatures, score };
  });
}

interface ScoredModule {
  readonly kind: LoraModuleKind;
  readonly weight: Parameter;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

function scoredModule(m: AnyModule): ScoredModule | undefined {
  if (m instanceof Linear) {
    return { kind: 'Linear', weight: m.weight, inFeatures: m.inFeatures, outFeatures: m.outFeatures };
  }
  if (m instanceof Embedding) {
    return { kind: 'Embedding', weight: m.weight, inFeatures: m.numEmbeddings, outFeatures: m.embeddingDim };
  }
  if (m instanceof Conv1d || m instanceof Conv2d) {
    return {
      kind: m instanceof Conv1d ? 'Conv1d' : 'Conv2d',
      weight: m.weight,
      inFeatures: m.inChannels,
      outFeatures: m.outChannels,
    };
  }
  return undefined;
}
