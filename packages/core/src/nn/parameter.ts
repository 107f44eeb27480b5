import * as tf from '@tensorflow/tfjs';
import type { TorchLayout } from './layout.js';

export interface ParameterOptions {
  /** Whether optimizers may update it. Buffers are never trainable. */
  trainable?: boolean;
  /** Layout conversion applied when writing to / reading from PyTorch-layout files. */
  layout?: TorchLayout;
}

/**
 * A named tensor owned by a `Module`: a `tf.Variable` plus whether it trains and how it maps to
 * PyTorch files. `kind: 'buffer'` marks persistent non-trainable state (BatchNorm running
 * statistics) that is saved in state dicts but never receives gradients.
 *
 * A parameter does not store its dotted path because replacing a submodule changes it; ask the
 * owning tree: `module.namedParameters()` yields `[path, parameter]`.
 */
export class Parameter {
  readonly variable: tf.Variable;
  readonly layout: TorchLayout;
  readonly kind: 'parameter' | 'buffer';
  private disposed = false;

  constructor(initial: tf.Tensor, options: ParameterOptions & { kind?: 'parameter' | 'buffer' } = {}) {
    this.kind = options.kind ?? 'parameter';
    const trainable = this.kind === 'buffer' ? false : (options.trainable ?? true);
    this.variable = tf.variable(initial, trainable);
    this.layout = options.layout ?? 'identity';
  }

  get trainable(): boolean {
    return this.variable.trainable;
  }

  set trainable(value: boolean) {
    if (value && this.kind === 'buffer') throw new Error('Parameter: a buffer cannot be made trainable');
    this.variable.trainable = value;
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get size(): number {
    return this.variable.size;
  }

  get dtype(): tf.DataType {
    return this.variable.dtype;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The current value. Do not dispose it: the parameter owns it. */
  get value(): tf.Variable {
    return this.variable;
  }

  /** Overwrites the value; the new tensor must have the same shape and dtype. */
  assign(value: tf.Tensor): void {
    if (value.dtype !== this.variable.dtype) {
      throw new Error(`Parameter.assign: dtype ${value.dtype} does not match ${this.variable.dtype}`);
    }
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`Parameter.assign: shape [${value.shape}] does not match [${this.shape}]`);
    }
    this.variable.assign(value);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.variable.dispose();
  }
}
