import type * as tf from '@tensorflow/tfjs';
import { assertPositiveInt } from './checks.js';
import { Module, type UnaryModule } from './module.js';
import { ModuleList } from './module-list.js';
import type { EncoderCallOptions, EncoderLayerModule } from './transformer-encoder-layer.js';

export interface TransformerEncoderOptions {
  /** Applied after the last layer (registered as `norm`), e.g. a LayerNorm for pre-norm stacks. */
  finalNorm?: UnaryModule;
}

/**
 * A stack of encoder layers, PyTorch's `nn.TransformerEncoder`: children `layers` (a
 * `ModuleList`, so paths read `layers.0.self_attn.q_proj`) and optionally `norm`. Layers are
 * built by `layerFactory(i)` rather than deep-copied from a template as PyTorch does.
 *
 * @example
 * const enc = new TransformerEncoder((i) => new TransformerEncoderLayer(64, 4), 2, {
 *   finalNorm: new LayerNorm(64),
 * });
 * const y = enc.call(x, { attentionMask });
 */
export class TransformerEncoder extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  readonly numLayers: number;

  constructor(
    layerFactory: (index: number) => EncoderLayerModule,
    numLayers: number,
    options: TransformerEncoderOptions = {},
  ) {
    super();
    this.numLayers = assertPositiveInt(numLayers, 'numLayers', 'TransformerEncoder');
    const layers = new ModuleList<EncoderLayerModule>();
    for (let i = 0; i < numLayers; i++) layers.append(layerFactory(i));
    this.registerModule('layers', layers);
    if (options.finalNorm) this.registerModule('norm', options.finalNorm);
  }

  get layers(): ModuleList<EncoderLayerModule> {
    return this.child('layers');
  }

  forward(x: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.call(h, options);
    return this.hasSubmodule('norm') ? this.child<UnaryModule>('norm').call(h) : h;
  }
}
