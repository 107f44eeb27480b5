import type * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { Module, type UnaryModule } from './module.js';

/**
 * Chains one-input modules, PyTorch's `nn.Sequential`: children are named `'0'`, `'1'`, ... so
 * paths read `features.3.weight` as in PyTorch checkpoints. The forward reads the children from
 * the registry each time, so a `setSubmodule('features.3', wrapper)` takes effect.
 *
 * @example
 * const mlp = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 2));
 */
export class Sequential extends Module<[tf.Tensor], tf.Tensor> {
  constructor(...modules: UnaryModule[]) {
    super();
    modules.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /** The module at position `i` (negative counts from the end). */
  at(i: number): UnaryModule {
    const n = this.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new Error(`Sequential.at: index ${i} out of range for ${n} modules`);
    }
    return this.child<UnaryModule>(String(j));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let h = x;
    for (const m of this.children() as UnaryModule[]) h = m.call(h);
    return h;
  }
}

brandClass(Sequential, 'nn.Sequential');
