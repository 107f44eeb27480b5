import {
  activationFromName,
  Dropout,
  type EncoderCallOptions,
  LayerNorm,
  Linear,
  Module,
  TransformerEncoder,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { ViTAttention } from './attention.js';
import type { ViTConfig } from './config.js';

/** HF's `ViTIntermediate`: `dense` (d -> ffn) and the activation. */
export class ViTIntermediate extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule('dense', new Linear(c.hidden_size, c.intermediate_size));
    this.registerModule('intermediate_act_fn', activationFromName(c.hidden_act));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('intermediate_act_fn').call(this.child('dense').call(x));
  }
}

/** HF's `ViTOutput`: `dense` (ffn -> d) + dropout; the layer adds the residual. */
export class ViTOutput extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule('dense', new Linear(c.intermediate_size, c.hidden_size));
    this.registerModule('dropout', new Dropout(c.hidden_dropout_prob));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('dropout').call(this.child('dense').call(x));
  }
}

/**
 * HF's `ViTLayer` (pre-norm): `h = x + attention(layernorm_before(x))`,
 * `y = h + output(intermediate(layernorm_after(h)))`.
 */
export class ViTLayer extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  constructor(c: ViTConfig) {
    super();
    this.registerModule(
      'attention',
      new ViTAttention(c.hidden_size, c.num_attention_heads, {
        qkvBias: c.qkv_bias,
        attentionDropout: c.attention_probs_dropout_prob,
        hiddenDropout: c.hidden_dropout_prob,
      }),
    );
    this.registerModule('intermediate', new ViTIntermediate(c));
    this.registerModule('output', new ViTOutput(c));
    this.registerModule('layernorm_before', new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps }));
    this.registerModule('layernorm_after', new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps }));
  }

  forward(x: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    const attention = this.child<ViTAttention>('attention');
    const h = tf.add(x, attention.call(this.child('layernorm_before').call(x), options));
    const ffn = this.child('output').call(
      this.child('intermediate').call(this.child('layernorm_after').call(h)),
    );
    return tf.add(h, ffn);
  }
}

/** HF's `ViTEncoder`: `layer.0` ... `layer.{L-1}`. */
export class ViTEncoder extends TransformerEncoder<ViTLayer> {
  constructor(c: ViTConfig) {
    super(() => new ViTLayer(c), c.num_hidden_layers, { layersName: 'layer' });
  }
}
