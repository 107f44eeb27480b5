import { activationFromName, Dropout, LayerNorm, Linear, Module, ModuleList } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { ViTAttention } from './attention.js';
import type { ViTConfig } from './config.js';

/** HF's `ViTIntermediate`: `dense` (d -> ffn) and the activation. */
export class ViTIntermediate extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule('dense', new Linear(c.hiddenSize, c.intermediateSize));
    this.registerModule('intermediate_act_fn', activationFromName(c.hiddenAct));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('intermediate_act_fn').call(this.child('dense').call(x));
  }
}

/** HF's `ViTOutput`: `dense` (ffn -> d) + dropout; the layer adds the residual. */
export class ViTOutput extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule('dense', new Linear(c.intermediateSize, c.hiddenSize));
    this.registerModule('dropout', new Dropout(c.hiddenDropoutProb));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('dropout').call(this.child('dense').call(x));
  }
}

/**
 * HF's `ViTLayer` (pre-norm): `h = x + attention(layernorm_before(x))`,
 * `y = h + output(intermediate(layernorm_after(h)))`.
 */
export class ViTLayer extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule(
      'attention',
      new ViTAttention(c.hiddenSize, c.numAttentionHeads, {
        qkvBias: c.qkvBias,
        attentionDropout: c.attentionProbsDropoutProb,
        hiddenDropout: c.hiddenDropoutProb,
      }),
    );
    this.registerModule('intermediate', new ViTIntermediate(c));
    this.registerModule('output', new ViTOutput(c));
    this.registerModule('layernorm_before', new LayerNorm(c.hiddenSize, { eps: c.layerNormEps }));
    this.registerModule('layernorm_after', new LayerNorm(c.hiddenSize, { eps: c.layerNormEps }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const h = tf.add(x, this.child('attention').call(this.child('layernorm_before').call(x)));
    const ffn = this.child('output').call(
      this.child('intermediate').call(this.child('layernorm_after').call(h)),
    );
    return tf.add(h, ffn);
  }
}

/** HF's `ViTEncoder`: `layer.0` ... `layer.{L-1}`. */
export class ViTEncoder extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule(
      'layer',
      new ModuleList(Array.from({ length: c.numHiddenLayers }, () => new ViTLayer(c))),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    let h = x;
    for (const layer of this.child<ModuleList>('layer')) h = layer.call(h) as tf.Tensor;
    return h;
  }
}
