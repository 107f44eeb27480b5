import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  additivePaddingMask,
  Linear,
  Module,
  multiHeadContext,
  PrefixTunableAttention,
  prependVirtualTokens,
  type UnaryModule,
} from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import type { PromptAware } from '../../method.js';
import { getPeftModel } from '../../peft-model.js';
import { definePlacement } from '../../placement.js';
import { maxAbsDiff, useCpuAndTmpDir } from '../../testing/index.js';
import '../../index.js';

useCpuAndTmpDir('prefix-host');
const [F, D, H] = [5, 8, 2];

/** A plugin's own attention: one fused `qkv` projection (GPT-2 style) on the shared maths. */
class FusedAttention extends PrefixTunableAttention<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly embedDim = D;
  readonly numHeads = H;

  constructor() {
    super();
    this.registerModule('qkv', new Linear(D, 3 * D));
    this.registerModule('proj', new Linear(D, D));
  }

  forward(x: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const [q, k, v] = tf.split(this.child<UnaryModule>('qkv').forward(x), 3, 2) as tf.Tensor[];
    const prefix = this.prefixHook.fetch(x.shape[0] as number, D, 'FusedAttention.forward');
    const ctx = multiHeadContext(q as tf.Tensor, k as tf.Tensor, v as tf.Tensor, {
      numHeads: H,
      mask,
      prefix,
    });
    return this.child<UnaryModule>('proj').forward(ctx);
  }
}

type Inputs = [tf.Tensor, { mask?: tf.Tensor }?];

/** An audio-like encoder: frames `[B, T, F]` -> `feature_projection` -> one attention -> masked mean. */
class FrameEncoder extends Module<Inputs, tf.Tensor> implements PromptAware<Inputs> {
  constructor() {
    super();
    this.registerModule('feature_projection', new Linear(F, D));
    this.registerModule('attn', new FusedAttention());
  }

  forward(frames: tf.Tensor, call: { mask?: tf.Tensor } = {}): tf.Tensor {
    const h = this.child<UnaryModule>('feature_projection').forward(frames);
    const add = call.mask ? additivePaddingMask(call.mask, 'FrameEncoder.forward') : undefined;
    const y = tf.add(h, this.child<FusedAttention>('attn').forward(h, add));
    const m = tf.expandDims(call.mask ? tf.cast(call.mask, 'float32') : tf.ones(y.shape.slice(0, 2)), 2);
    return tf.div(tf.sum(tf.mul(y, m), 1), tf.sum(m, 1));
  }

  withVirtualTokens([frames, call = {}]: Inputs, count: number): Inputs {
    return [frames, call.mask ? { mask: prependVirtualTokens(call.mask, count, 1) } : call];
  }
}

const placement = definePlacement({
  architecture: 'frame-encoder',
  modelRoles: { attention: 'attn', embed: 'feature_projection' },
});

describe('prefix and prompt tuning on a plugin-built transformer (the documented contract)', () => {
  const frames = () => tf.randomNormal([2, 4, F], 0, 1, 'float32', 3);
  const mask = () => tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 0], [2, 4], 'int32');

  it('prefix tuning finds a PrefixTunableAttention by role and prepends the adapter keys/values', () => {
    setSeed(1);
    const model = new FrameEncoder().eval();
    const [x, m] = [frames(), mask()];
    const base = model.call(x, { mask: m });
    const peft = getPeftModel(model, { peftType: 'PREFIX_TUNING', numVirtualTokens: 3 }, { placement });
    expect(peft.targetsOf('default')).toEqual(['attn']);
    const y = peft.call(x, { mask: m });
    expect(maxAbsDiff(y, base)).toBeGreaterThan(1e-4);
    // By hand: the saved prefix [P, 2D] as keys (first D columns) and values on a plain copy.
    const flat = peft.adapterStateDict('default').get('root:prompt_embeddings')!.value;
    setSeed(1);
    const plain = new FrameEncoder().eval();
    (plain.getSubmodule('attn') as FusedAttention).setPrefixProvider((b) => ({
      key: tf.broadcastTo(tf.slice(flat, [0, 0], [3, D]).expandDims(0), [b, 3, D]),
      value: tf.broadcastTo(tf.slice(flat, [0, D], [3, D]).expandDims(0), [b, 3, D]),
    }));
    expect(maxAbsDiff(y, plain.call(x, { mask: m }))).toBeLessThan(1e-6);
    peft.disableAdapter(() => expect(maxAbsDiff(peft.call(x, { mask: m }), base)).toBe(0));
    peft.dispose();
    plain.dispose();
  });

  it('prompt tuning prepends virtual frames to the embed output; PromptAware extends the mask', () => {
    setSeed(2);
    const model = new FrameEncoder().eval();
    const [x, m] = [frames(), mask()];
    const base = model.call(x, { mask: m });
    const peft = getPeftModel(model, { peftType: 'PROMPT_TUNING', numVirtualTokens: 2 }, { placement });
    const y = peft.call(x, { mask: m });
    expect(y.shape).toEqual([2, D]);
    expect(maxAbsDiff(y, base)).toBeGreaterThan(1e-4);
    peft.disableAdapter(() => expect(maxAbsDiff(peft.call(x, { mask: m }), base)).toBe(0));
    peft.dispose();
  });
});
