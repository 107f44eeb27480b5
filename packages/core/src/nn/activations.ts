import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../runtime/checkpoint.js';
import { brandClass } from './brand.js';
import { Module, type UnaryModule } from './module.js';

/** `'none'`: exact `x * Φ(x)` via erf; `'tanh'`: the tanh approximation (GPT-2's `gelu_new`). */
export type GeluApproximate = 'none' | 'tanh';

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU as PyTorch's `F.gelu`. The exact form uses `tf.erf`, which has a gradient in tfjs.
 *
 * @example gelu(x) // 0.5 * x * (1 + erf(x / sqrt(2)))
 */
export function gelu(x: tf.Tensor, approximate: GeluApproximate = 'none'): tf.Tensor {
  // Under a gradient tape the formula's four intermediates (each the size of x, the widest
  // activation of a transformer) would be kept for the backward pass; checkpointed, only x is,
  // and the backward recomputes them: same ops, same gradients.
  return checkpoint((a) => geluFormula(a, approximate), { inputs: [x] });
}

function geluFormula(x: tf.Tensor, approximate: GeluApproximate): tf.Tensor {
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1));
  });
}

/** SiLU / swish: `x * sigmoid(x)`. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

export interface GELUOptions {
  approximate?: GeluApproximate;
}

export class GELU extends Module<[tf.Tensor], tf.Tensor> {
  readonly approximate: GeluApproximate;

  constructor(options: GELUOptions = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x, this.approximate);
  }
}

export class ReLU extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

export class SiLU extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return silu(x);
  }
}

export class Tanh extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
}

export class Sigmoid extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }
}

/** Softmax along `axis` (default -1, the last). */
export class Softmax extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly axis = -1) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    const axis = this.axis < 0 ? this.axis + x.rank : this.axis;
    if (axis < 0 || axis >= x.rank) {
      throw new Error(`Softmax.forward: axis ${this.axis} out of range for shape [${x.shape}]`);
    }
    if (axis === x.rank - 1) return tf.softmax(x);
    // tf.softmax only supports the last axis; the max shift keeps exp() from overflowing.
    const e = tf.exp(tf.sub(x, tf.max(x, axis, true)));
    return tf.div(e, tf.sum(e, axis, true));
  }
}

/** Returns its input; a placeholder where an architecture has no layer (e.g. a removed head). */
export class Identity extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/** Hugging Face `hidden_act` values understood by `activationFromName`. */
export const ACTIVATION_NAMES = [
  'gelu',
  'gelu_new',
  'gelu_pytorch_tanh',
  'relu',
  'silu',
  'swish',
  'tanh',
  'sigmoid',
  'linear',
] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * The activation module for a Hugging Face `hidden_act` value. `gelu` is the exact erf form;
 * `gelu_new` and `gelu_pytorch_tanh` are the tanh approximation; `swish` is SiLU; `linear` is
 * the identity.
 *
 * @example activationFromName(config.hidden_act ?? 'gelu')
 */
export function activationFromName(name: string): UnaryModule {
  switch (name as ActivationName) {
    case 'gelu':
      return new GELU();
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return new GELU({ approximate: 'tanh' });
    case 'relu':
      return new ReLU();
    case 'silu':
    case 'swish':
      return new SiLU();
    case 'tanh':
      return new Tanh();
    case 'sigmoid':
      return new Sigmoid();
    case 'linear':
      return new Identity();
    default:
      throw new Error(
        `activationFromName: unknown activation '${name}' (known: ${ACTIVATION_NAMES.join(', ')})`,
      );
  }
}

brandClass(GELU, 'nn.GELU');
brandClass(ReLU, 'nn.ReLU');
brandClass(SiLU, 'nn.SiLU');
brandClass(Tanh, 'nn.Tanh');
brandClass(Sigmoid, 'nn.Sigmoid');
brandClass(Softmax, 'nn.Softmax');
brandClass(Identity, 'nn.Identity');
