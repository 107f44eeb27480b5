import {
  definePlacement,
  Embedding,
  Linear,
  Module,
  ModuleList,
  TransformerEncoderLayer,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** The reference model of the design brief: 4-layer encoder, d=256, 4 heads, ffn 1024. */
export interface ReferenceShape {
  layers: number;
  dModel: number;
  heads: number;
  ffn: number;
  seq: number;
  batch: number;
  vocab: number;
  classes: number;
}

export const REFERENCE_SHAPE: ReferenceShape = {
  layers: 4,
  dModel: 256,
  heads: 4,
  ffn: 1024,
  seq: 64,
  batch: 16,
  vocab: 8000,
  classes: 2,
};

/** The reference shape, or a one-layer batch-of-4 cut of it for `--quick` runs. */
export function benchShape(quick: boolean): ReferenceShape {
  return quick ? { ...REFERENCE_SHAPE, layers: 1, batch: 4 } : REFERENCE_SHAPE;
}

/** Middle value of a sample (the upper one of an even count), as the benches report step times. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}

/**
 * Token + position embeddings, a post-norm encoder stack (nn `TransformerEncoderLayer`), mean
 * pooling and a linear classifier. Children are looked up at call time so PEFT wrappers apply.
 */
export class ReferenceEncoder extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly shape: ReferenceShape) {
    super();
    this.registerModule('tokens', new Embedding(shape.vocab, shape.dModel));
    this.registerModule('positions', new Embedding(shape.seq, shape.dModel));
    const layers = Array.from(
      { length: shape.layers },
      () =>
        new TransformerEncoderLayer(shape.dModel, shape.heads, {
          dimFeedforward: shape.ffn,
          dropout: 0.1,
          activation: 'gelu',
        }),
    );
    this.registerModule('layers', new ModuleList(layers));
    this.registerModule('classifier', new Linear(shape.dModel, shape.classes));
  }

  forward(ids: tf.Tensor): tf.Tensor {
    const seq = ids.shape[1] as number;
    const pos = tf.range(0, seq, 1, 'int32');
    let h = tf.add(this.child('tokens').forward(ids), this.child('positions').forward(pos));
    for (const layer of this.child<ModuleList>('layers')) h = layer.forward(h);
    return this.child('classifier').forward(tf.mean(h, 1));
  }
}

/** Where the reference model's roles live (PyTorch `nn.TransformerEncoderLayer` names). */
export const referencePlacement = definePlacement({
  architecture: 'reference-encoder',
  layers: 'layers',
  layerRoles: {
    'attn.q': 'self_attn.q_proj',
    'attn.k': 'self_attn.k_proj',
    'attn.v': 'self_attn.v_proj',
    'attn.o': 'self_attn.out_proj',
    'ffn.up': 'linear1',
    'ffn.down': 'linear2',
    'block.attn': 'self_attn.out_proj',
    'block.ffn': 'linear2',
    norm: ['norm1', 'norm2'],
    attention: 'self_attn',
  },
  modelRoles: { embed: 'tokens', head: 'classifier' },
});

/** Multiply-add FLOPs (x2) of one forward pass (matMuls only); training is counted as 3x forward. */
export function forwardFlops(s: ReferenceShape): number {
  const tokens = s.batch * s.seq;
  const perTokenPerLayer = 2 * (4 * s.dModel * s.dModel + 2 * s.dModel * s.ffn + 2 * s.seq * s.dModel);
  return tokens * s.layers * perTokenPerLayer + 2 * s.batch * s.dModel * s.classes;
}
