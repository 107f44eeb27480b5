import { GELU, ReLU, Sigmoid, SiLU, Softmax, Tanh } from '../../nn/activations.js';
import type { UnaryModule } from '../../nn/module.js';
import { ELEMENTWISE_ACTIVATIONS, ElementwiseActivation, type ElementwiseActivationName } from './ops.js';

/**
 * The module for a tfjs activation identifier (`layer.getConfig().activation`), or `undefined`
 * for `'linear'`. Prefers the `nn/` module where one exists so imported graphs look like
 * natively built ones. Throws naming `where` for an unknown identifier.
 */
export function kerasActivation(name: unknown, where: string): UnaryModule | undefined {
  switch (name) {
    case undefined:
    case null:
    case 'linear':
      return undefined;
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    case 'softmax':
      return new Softmax(-1);
    case 'gelu':
      return new GELU();
    case 'gelu_new':
      return new GELU({ approximate: 'tanh' });
    case 'swish':
      return new SiLU();
    default:
      if (typeof name === 'string' && Object.hasOwn(ELEMENTWISE_ACTIVATIONS, name)) {
        return new ElementwiseActivation(name as ElementwiseActivationName);
      }
      throw new Error(`${where}: unsupported activation ${JSON.stringify(name)}`);
  }
}
