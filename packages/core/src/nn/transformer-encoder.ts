import type * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertPositiveInt } from './checks.js';
import { Module, type UnaryModule } from './module.js';
import { ModuleList } from './module-list.js';
import type { EncoderCallOptions, EncoderLayerModule } from './transformer-encoder-layer.js';

export interface TransformerEncoderOptions {
  /** Applied after the last layer (registered as `norm`), e.g. a LayerNorm for pre-norm stacks. */
  finalNorm?: UnaryModule;
  /**
   * Name of the layer list (default `layers`, as PyTorch, Whisper and wav2vec2; BERT, ViT and
   * DistilBERT use `layer`, giving `encoder.layer.0...`).
   */
  layersName?: string;
}

/**
 * A stack of encoder layers, PyTorch's `nn.TransformerEncoder`: children `layers` (a
 * `ModuleList`, so paths read `layers.0.self_attn.q_proj`; the name is `layersName`) and
 * optionally `norm`. Every layer gets the same call options (mask, causal). Layers are built by
 * `layerFactory(i)` rather than deep-copied from a template as PyTorch does.
 *
 * @example
 * const enc = new TransformerEncoder((i) => new TransformerEncoderLayer(64, 4), 2, {
 *   finalNorm: new LayerNorm(64),
 * });
 * const y = enc.call(x, { attentionMask });
 */
export class TransformerEncoder<L extends EncoderLayerModule = EncoderLayerModule> extends Module<
  [tf.Tensor, EncoderCallOptions?],
  tf.Tensor
> {
  readonly numLayers: number;
  readonly layersName: string;

  constructor(
    layerFactory: (index: number) => L,
    numLayers: number,
    options: TransformerEncoderOptions = {},
  ) {
    super();
    this.numLayers = assertPositiveInt(numLayers, 'numLayers', new.target.name);
    this.layersName = options.layersName ?? 'layers';
    const layers = new ModuleList<L>();
    for (let i = 0; i < numLayers; i++) layers.append(layerFactory(i));
    this.registerModule(this.layersName, layers);
    if (options.finalNorm) this.registerModule('norm', options.finalNorm);
  }

  get layers(): ModuleList<L> {
    return this.child(this.layersName);
  }

  forward(x: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.call(h, options);
    return this.hasSubmodule('norm') ? this.child<UnaryModule>('norm').call(h) : h;
  }
}

brandClass(TransformerEncoder, 'nn.TransformerEncoder');
