import * as tf from '@tensorflow/tfjs';
import { Conv1d } from '../../nn/conv1d.js';
import { Conv2d } from '../../nn/conv2d.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import type { AnyModule } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import type { LoraModuleKind } from '../../peft/methods/lora/rank-cost.js';
import type { BatchSource } from '../data/data-loader.js';
import { valueAndGrads } from '../gradients.js';
import type { NamedParameter } from '../param-groups.js';
import { visitSeededBatches } from './seeded-batches.js';

/** One weight LoRA could adapt, with how much the loss depends on it. */
export interface ModuleSensitivity {
  /** Module path in the scored model. */
  readonly path: string;
  readonly kind: LoraModuleKind;
  /** `in` features or channels; `numEmbeddings` for an Embedding. */
  readonly inFeatures: number;
  /** `out` features or channels; `embeddingDim` for an Embedding. */
  readonly outFeatures: number;
  /**
   * Expected first-step loss decrease of Adam on a fresh LoRA adapter of rank 1 here, per unit
   * of learning rate, mean over batches (see {@link scoreModuleSensitivity}).
   */
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
 * Scores each module by what a fresh LoRA adapter on it can do for this data: the expected loss
 * decrease of the first Adam step on the adapter (HF's init), per unit of learning rate and per
 * unit of rank, averaged over `maxBatches` batches. Adam's first step moves every entry of the
 * factor that starts at zero by `lr * sign(gradient)`, so the loss falls by `lr * sum |gradient|`
 * over those entries; their gradient is the base weight's gradient `G` times the other factor's
 * random init, whose expectation has a closed form:
 * - `Linear(in, out)` (and a conv, `in` = input channels x kernel area): `lora_B` starts at zero
 *   and `lora_A` is kaiming-uniform, `U(+-1/sqrt(in))`; per rank `sum_o ||G[o, :]|| * sqrt(2 / (3 pi in))`
 *   (one entry per output unit, each a random projection of that unit's weight gradient);
 * - `Embedding(num, dim)`: `lora_embedding_A` starts at zero and `lora_embedding_B` is `N(0, 1)`;
 *   per rank `sum_v ||G[v, :]|| * sqrt(2 / pi)` (one entry per token row).
 *
 * This is the "LoRA-gradient" importance (AdaLoRA's sensitivity of the adapter rather than of the
 * weight) taken in expectation, and it is what makes scores comparable across kinds: Adam's
 * per-entry normalisation means an Embedding adapter moves every token the data uses by a full
 * step however small that token's gradient, which a weight-level signal such as
 * `sum |W * dL/dW|` (the Taylor importance used before) undervalues many times over on text
 * (measured: docs/quality.md). The score does not depend on the weight's own values, only on
 * how the loss reacts to the module's output and on its inputs; an Embedding row the data never
 * reaches scores nothing. A grouped conv is scored on its in-group weight gradient (the part its
 * grouped `lora_B` can reach). One gradient pass per batch, inside `tf.tidy`; the model's
 * weights, mode and the RNG are left as they were.
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
  // Per module: the sum over batches of the weight gradient, as [rows, units] (units: output
  // units, or token rows of an Embedding), and of each unit's squared gradient norm.
  const sums: (tf.Tensor | undefined)[] = named.map(() => undefined);
  const squares: (tf.Tensor | undefined)[] = named.map(() => undefined);
  try {
    await visitSeededBatches(
      {
        model: o.model,
        batches: o.batches,
        count: o.maxBatches,
        seed: o.seed,
        caller: 'scoreModuleSensitivity',
      },
      (batch) =>
        tf.tidy(() => {
          const { grads } = valueAndGrads(named, () => o.loss(o.model, batch));
          named.forEach(([path], i) => {
            const g = grads.get(path);
            if (!g) return;
            const units = unitsOf(g, modules[i]!);
            const sq = tf.sum(tf.square(units), 0);
            const prev = [sums[i], squares[i]];
            sums[i] = tf.keep(prev[0] ? tf.add(prev[0], units) : units.clone());
            squares[i] = tf.keep(prev[1] ? tf.add(prev[1], sq) : sq);
            tf.dispose(prev);
          });
        }),
    );
  } catch (err) {
    tf.dispose([...sums, ...squares].filter((t): t is tf.Tensor => t !== undefined));
    throw err;
  } finally {
    named.forEach(([, p], i) => {
      p.trainable = wasTrainable[i]!;
    });
  }
  const totals = modules.map((m, i) => {
    const [sum, square] = [sums[i], squares[i]];
    if (!sum || !square) return 0;
    const value = tf.tidy(() => steadyGain(tf.div(sum, o.maxBatches), tf.div(square, o.maxBatches), m));
    const out = value.dataSync()[0]!;
    tf.dispose([sum, square, value]);
    return out;
  });
  return modules.map((m, i) => {
    const score = totals[i]!;
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
  /** A conv's `groups` (1 otherwise). */
  readonly groups: number;
}

function scoredModule(m: AnyModule): ScoredModule | undefined {
  if (m instanceof Linear) {
    return {
      kind: 'Linear',
      weight: m.weight,
      inFeatures: m.inFeatures,
      outFeatures: m.outFeatures,
      groups: 1,
    };
  }
  if (m instanceof Embedding) {
    return {
      kind: 'Embedding',
      weight: m.weight,
      inFeatures: m.numEmbeddings,
      outFeatures: m.embeddingDim,
      groups: 1,
    };
  }
  if (m instanceof Conv1d || m instanceof Conv2d) {
    return {
      kind: m instanceof Conv1d ? 'Conv1d' : 'Conv2d',
      weight: m.weight,
      inFeatures: m.inChannels,
      outFeatures: m.outChannels,
      groups: m.groups,
    };
  }
  return undefined;
}

/**
 * The gradient as `[rows, units]`: each column one unit the zero-init factor has one entry per
 * rank for (an output unit of a Linear or conv, a token row of an Embedding). The weight is
 * stored `[..., out]` for a Linear or conv (`[in, out]`, `[k, in/groups, out]`,
 * `[kh, kw, in/groups, out]`, depthwise `[kh, kw, in, out/in]`, which flattens to output units
 * too) and `[num, dim]` for an Embedding.
 */
function unitsOf(g: tf.Tensor, m: ScoredModule): tf.Tensor2D {
  if (m.kind === 'Embedding') return tf.transpose(tf.reshape(g, [-1, m.outFeatures])) as tf.Tensor2D;
  return tf.reshape(g, [-1, m.outFeatures]) as tf.Tensor2D;
}

/**
 * Adam's loss decrease per step and unit of learning rate on the zero-init factor, per rank
 * (see {@link scoreModuleSensitivity}), from the batch mean `mean` of the unit gradients
 * (`[rows, units]`) and the batch mean `square` of their squared norms (`[units]`). A factor entry
 * is a unit's gradient projected on a random init vector `r` of i.i.d. entries of deviation
 * `sigma`: Adam moves it by `lr * E[g.r] / sqrt(E[(g.r)^2])`, which lowers the loss by
 * `lr * E[g.r]^2 / sqrt(E[(g.r)^2])`, about `sigma * sqrt(2/pi) * ||mean||^2 / sqrt(square)` over
 * `r` (exactly `E|g.r|` for one batch: the first step). A unit whose gradient keeps its direction
 * counts its full norm; one whose gradient flips from batch to batch (a bias-like weight under
 * balanced batches) counts little, as Adam would move it little.
 */
function steadyGain(mean: tf.Tensor, square: tf.Tensor, m: ScoredModule): tf.Scalar {
  const consistent = tf.div(tf.sum(tf.square(mean), 0), tf.sqrt(tf.maximum(square, 1e-30)));
  const total = tf.sum(consistent);
  if (m.kind === 'Embedding') {
    // lora_embedding_B ~ N(0, 1): one zero-init entry per token row.
    return tf.mul(total, Math.sqrt(2 / Math.PI));
  }
  // lora_A ~ U(+-1/sqrt(fanIn)) over all input channels, variance 1/(3 fanIn); lora_B has one
  // zero-init entry per output unit per rank, 1/groups of one for a grouped conv's grouped lora_B.
  const fanIn = mean.shape[0]! * m.groups;
  return tf.mul(total, Math.sqrt(2 / (3 * Math.PI * fanIn)) / m.groups);
}
