/**
 * Activation checkpointing: run a function without keeping its intermediates for the backward
 * pass, and recompute them when its gradient is needed (PyTorch's `torch.utils.checkpoint`).
 *
 * The forward runs inside a `tf.customGrad` op, where tfjs records nothing on the tape, so only
 * the op's inputs are kept. Its gradient replays the function on a fresh tape (`leanGradients`)
 * with the same random seeds (dropout draws the same masks) and backpropagates the incoming
 * gradient through it. Same kernels, same order: the gradients equal the direct ones.
 */
import * as tf from '@tensorflow/tfjs';
import { leanGradients } from './lean-gradients.js';
import { recordSeeds, replaySeeds } from './random.js';
import { isTapeRecording } from './recording.js';

/** What `checkpoint` differentiates and keeps. */
export interface CheckpointInputs {
  /** Float tensors passed to `fn` that need gradients (e.g. the hidden states). */
  inputs: readonly tf.Tensor[];
  /**
   * Tensors passed to `fn` after `inputs` that need no gradient (masks, ids), kept alive until
   * the recompute.
   */
  constants?: readonly tf.Tensor[];
  /**
   * Trainable variables `fn` reads (its parameters). They receive gradients; unused ones get
   * zeros. Frozen parameters need not be listed.
   */
  variables?: readonly tf.Variable[];
}

/**
 * `fn(...inputs, ...constants)`, keeping only `inputs` and `constants` for the backward pass and
 * recomputing the rest when the gradient is taken. `fn` must be deterministic given its inputs
 * and the seeds it draws from peftkit's generator (`nextSeed`), must return one tensor, and must
 * read tensors only from its arguments, `variables` or frozen parameters (captured intermediate
 * tensors would be disposed before the recompute). Outside a gradient tape it just calls `fn`.
 *
 * @example
 * const y = checkpoint((h, mask) => layer.forward(h, { attentionMask: mask }),
 *   { inputs: [h], constants: [mask], variables: layer.parameters().filter(p => p.trainable).map(p => p.variable) });
 */
export function checkpoint(fn: (...args: tf.Tensor[]) => tf.Tensor, io: CheckpointInputs): tf.Tensor {
  const inputs = [...io.inputs];
  const constants = [...(io.constants ?? [])];
  const variables = [...(io.variables ?? [])];
  if (!isTapeRecording()) return fn(...inputs, ...constants);
  for (const t of inputs) {
    if (t.dtype !== 'float32')
      throw new Error(`checkpoint: inputs must be float32, got ${t.dtype} [${t.shape}]`);
  }
  let seeds: number[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const tensors = args.slice(0, inputs.length + constants.length) as tf.Tensor[];
    save(tensors);
    const run = recordSeeds(() => fn(...tensors));
    seeds = run.seeds;
    return {
      value: run.result,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        if (Array.isArray(dy)) throw new Error('checkpoint: expected one output gradient');
        const xs = saved.slice(0, inputs.length);
        const { value, grads } = leanGradients(
          () => replaySeeds(seeds, () => fn(...saved)),
          [...xs, ...variables],
          dy,
          {
            onUnlistedVariables: (vs) => {
              throw new Error(
                `checkpoint: the function reads trainable variable(s) ${vs.map((v) => v.name).join(', ')} not listed in variables; their gradients would be lost`,
              );
            },
          },
        );
        value.dispose();
        const targets = [...xs, ...saved.slice(inputs.length), ...variables];
        const paired = [
          ...grads.slice(0, xs.length),
          ...constants.map(() => null),
          ...grads.slice(xs.length),
        ];
        return targets.map((t, i) => paired[i] ?? tf.zerosLike(t).asType('float32'));
      },
    };
  });
  return op(...inputs, ...constants, ...variables) as tf.Tensor;
}
