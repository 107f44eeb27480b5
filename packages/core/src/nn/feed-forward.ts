import type * as tf from '@tensorflow/tfjs';
import { type ActivationName, activationFromName } from './activations.js';
import { brandClass } from './brand.js';
import { assertPositiveInt, assertProbability } from './checks.js';
import { dropout as applyDropout, Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { type AnyModule, Module, type UnaryModule } from './module.js';

/**
 * Child names of a feed-forward block. The dropouts and the activation are children only when
 * named; otherwise they are plain functions (PyTorch's activation, Whisper's dropouts), so
 * state dicts and module lists match the family either way.
 *
 * | family        | up                   | down           | activation dropout     | output dropout   |
 * | ------------- | -------------------- | -------------- | ---------------------- | ---------------- |
 * | default       | `fc1`                | `fc2`          | function               | function         |
 * | PyTorch layer | `linear1`            | `linear2`      | `dropout`              | `dropout2`       |
 * | DistilBERT    | `lin1`               | `lin2`         | none (p = 0)           | `dropout`        |
 * | GPT-2         | `c_fc`               | `c_proj`       | none (p = 0)           | `dropout`        |
 * | wav2vec2      | `intermediate_dense` | `output_dense` | `intermediate_dropout` | `output_dropout` |
 */
export interface FeedForwardNames {
  up: string;
  down: string;
  /** Registers the activation as a child of this name (HF's `intermediate_act_fn`). */
  activation?: string;
  activationDropout?: string;
  outputDropout?: string;
}

export interface FeedForwardOptions {
  /** A Hugging Face `hidden_act` name (default `'gelu'`, the erf form); see `activationFromName`. */
  activation?: ActivationName;
  /** Dropout after the activation (default 0). */
  activationDropout?: number;
  /** Dropout after the down projection (default 0). */
  dropout?: number;
  /** Child names (default `fc1` / `fc2`, dropouts and activation as functions). */
  names?: Partial<FeedForwardNames>;
  /** Builds the two projections (default `new Linear(in, out)`); GPT-2 passes its `Conv1D`. */
  linear?: (inFeatures: number, outFeatures: number) => Linear;
}

/**
 * The feed-forward part of a transformer block on `host`: registers its children there and
 * returns the forward, which looks them up by name on every call (PEFT replaces them by path).
 * `FeedForward` is this on its own module; `TransformerEncoderLayer` puts it directly on the
 * layer when the family has no FFN submodule (PyTorch, Whisper).
 */
export function attachFeedForward(
  host: AnyModule,
  register: <M extends AnyModule>(name: string, m: M) => M,
  dModel: number,
  dInner: number,
  options: FeedForwardOptions,
  caller: string,
): (x: tf.Tensor) => tf.Tensor {
  assertPositiveInt(dModel, 'dModel', caller);
  assertPositiveInt(dInner, 'dInner', caller);
  const pAct = assertProbability(options.activationDropout ?? 0, 'activationDropout', caller);
  const pOut = assertProbability(options.dropout ?? 0, 'dropout', caller);
  const names: FeedForwardNames = {
    ...options.names,
    up: options.names?.up ?? 'fc1',
    down: options.names?.down ?? 'fc2',
  };
  const linear = options.linear ?? ((i: number, o: number) => new Linear(i, o));
  const act = activationFromName(options.activation ?? 'gelu');
  register(names.up, linear(dModel, dInner));
  if (names.activation !== undefined) register(names.activation, act);
  if (names.activationDropout !== undefined) register(names.activationDropout, new Dropout(pAct));
  register(names.down, linear(dInner, dModel));
  if (names.outputDropout !== undefined) register(names.outputDropout, new Dropout(pOut));
  const child = (name: string) => host.getSubmodule(name) as UnaryModule;
  const drop = (x: tf.Tensor, name: string | undefined, p: number) =>
    name === undefined ? applyDropout(x, p, host.training) : child(name).forward(x);
  return (x) => {
    const up = child(names.up).forward(x);
    const h = names.activation === undefined ? act.forward(up) : child(names.activation).forward(up);
    const down = child(names.down).forward(drop(h, names.activationDropout, pAct));
    return drop(down, names.outputDropout, pOut);
  };
}

/**
 * A transformer feed-forward block, `dropout(down(dropout(act(up(x)))))`, with the child names
 * of the family (`FeedForwardNames`): DistilBERT's `ffn`, GPT-2's `mlp`, wav2vec2's
 * `feed_forward`. Roles `ffn.up` / `ffn.down` map to `<path>.<up>` / `<path>.<down>`.
 *
 * @example
 * const ffn = new FeedForward(64, 256, { activation: 'gelu', dropout: 0.1,
 *   names: { up: 'lin1', down: 'lin2', outputDropout: 'dropout' } });
 * const y = ffn.call(x); // [B, T, 64]
 */
export class FeedForward extends Module<[tf.Tensor], tf.Tensor> {
  readonly dModel: number;
  readonly dInner: number;
  private readonly run: (x: tf.Tensor) => tf.Tensor;

  constructor(dModel: number, dInner: number, options: FeedForwardOptions = {}) {
    super();
    this.dModel = dModel;
    this.dInner = dInner;
    this.run = attachFeedForward(
      this,
      (n, m) => this.registerModule(n, m),
      dModel,
      dInner,
      options,
      new.target.name,
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.run(x);
  }
}

brandClass(FeedForward, 'nn.FeedForward');
