import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type Linear, MultiHeadAttention } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  attentionMask,
  expectBaseUnchanged,
  ids,
  maxAbsDiff,
  tinyEncoderPlacement as placement,
  readAdapterConfig,
  readAdapterShapes,
  sameValues,
  snapshot,
  TinyBert,
  TinyEncoder,
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import { PrefixEncoder } from './encoder.js';
import { PrefixTuningLayer } from './layer.js';
import '../../index.js';

const P = 3;
const tmp = useCpuAndTmpDir('prefix');

/**
 * The model's output with the prefix `flat` ([P, L*2*D], HF's layout) set by hand on each
 * attention module of a plain copy of the base: layer i reads keys from columns
 * [2iD, (2i+1)D) and values from [(2i+1)D, (2i+2)D).
 */
function withPrefixByHand(seed: number, flat: tf.Tensor2D, x: tf.Tensor, m: tf.Tensor): tf.Tensor {
  setSeed(seed);
  const plain = new TinyEncoder();
  const { d, layers } = plain.dims;
  for (let i = 0; i < layers; i++) {
    const mha = plain.getSubmodule(`encoder.layers.${i}.self_attn`) as MultiHeadAttention;
    mha.setPrefixProvider((b) => ({
      key: tf.broadcastTo(tf.slice(flat, [0, 2 * i * d], [P, d]).expandDims(0), [b, P, d]),
      value: tf.broadcastTo(tf.slice(flat, [0, (2 * i + 1) * d], [P, d]).expandDims(0), [b, P, d]),
    }));
  }
  const y = plain.call(x, { attentionMask: m });
  plain.dispose();
  return y;
}

/** The MLP's prefix computed from the adapter's parameters with plain ops. */
function projectedByHand(peft: PeftModel): tf.Tensor2D {
  const enc = peft.model.getSubmodule('encoder.layers.0.self_attn.prefix_encoder.default');
  const e = enc.getSubmodule('embedding').parameters()[0]!.value;
  const l1 = enc.getSubmodule('transform.0') as Linear;
  const l2 = enc.getSubmodule('transform.2') as Linear;
  return tf.tidy(
    () =>
      tf.add(
        tf.matMul(tf.tanh(tf.add(tf.matMul(e, l1.weight.value), l1.bias!.value)), l2.weight.value),
        l2.bias!.value,
      ) as tf.Tensor2D,
  );
}

describe('prefix tuning', () => {
  it('injects per-layer keys/values in HF layout; disabling gives the base output exactly', () => {
    setSeed(1);
    const model = new TinyEncoder();
    const x = ids();
    const m = attentionMask();
    const before = model.call(x, { attentionMask: m });
    const peft = getPeftModel(model, { peftType: 'PREFIX_TUNING', numVirtualTokens: P }, { placement });
    expect(peft.targetsOf('default')).toEqual(['encoder.layers.0.self_attn', 'encoder.layers.1.self_attn']);
    const y = peft.call(x, { attentionMask: m });
    expect(maxAbsDiff(y, before)).toBeGreaterThan(1e-3);
    const flat = peft.adapterStateDict('default').get('root:prompt_embeddings')!;
    expect(flat.shape).toEqual([P, 2 * 2 * 8]);
    const byHand = withPrefixByHand(1, flat.value as tf.Tensor2D, x, m);
    expect(maxAbsDiff(y, byHand)).toBeLessThan(1e-6);
    const off = peft.disableAdapter(() => peft.call(x, { attentionMask: m }));
    expect(sameValues(off, before)).toBe(true);
    // The hook is only set during the call.
    const mha = peft.model.getSubmodule('encoder.layers.0.self_attn.base_layer') as MultiHeadAttention;
    expect(mha.prefixProvider).toBeUndefined();
    tf.dispose([x, m, before, y, byHand, off]);
  });

  it('with prefixProjection: the MLP output is the prefix, and that is what the file holds', async () => {
    setSeed(2);
    const peft = getPeftModel(
      new TinyEncoder(),
      { peftType: 'PREFIX_TUNING', numVirtualTokens: P, prefixProjection: true, encoderHiddenSize: 5 },
      { placement },
    );
    const x = ids();
    const m = attentionMask();
    const y = peft.call(x, { attentionMask: m });
    const flat = projectedByHand(peft);
    const byHand = withPrefixByHand(2, flat, x, m);
    expect(maxAbsDiff(y, byHand)).toBeLessThan(1e-5);
    const saved = peft.adapterStateDict('default').get('root:prompt_embeddings')!;
    expect(saved.shape).toEqual([P, 32]);
    expect(maxAbsDiff(saved.value, flat)).toBeLessThan(1e-6);
    tf.dispose([x, m, y, flat, byHand]);
  });

  it('trains to lower loss; only the prefix changes; no tensor leaks over 20 steps', () => {
    for (const prefixProjection of [false, true]) {
      setSeed(3);
      const model = new TinyEncoder();
      const baseSnap = snapshot(model);
      const peft = getPeftModel(
        model,
        { peftType: 'PREFIX_TUNING', numVirtualTokens: P, prefixProjection, encoderHiddenSize: 6 },
        { placement },
      );
      const x = ids();
      const m = attentionMask();
      const counts: number[] = [];
      const start = tf.memory().numTensors;
      const losses = trainSteps(peft, 21, {
        forward: () => peft.call(x, { attentionMask: m }),
        onStep: () => counts.push(tf.memory().numTensors),
      });
      expect(tf.memory().numTensors, `projection=${prefixProjection}`).toBe(start);
      // After the first step (optimizer state created), the count never grows.
      expect(counts[20]).toBe(counts[0]);
      expect(losses[20]).toBeLessThan(losses[0] as number);
      expectBaseUnchanged(peft.model, baseSnap, (k) => k.replace(/self_attn\./, 'self_attn.base_layer.'));
      tf.dispose([x, m]);
    }
  });

  it('trainable count is the closed form, with and without projection', () => {
    const { d, layers } = new TinyEncoder().dims;
    setSeed(4);
    const flat = getPeftModel(
      new TinyEncoder(),
      { peftType: 'PREFIX_TUNING', numVirtualTokens: P },
      { placement },
    );
    expect(flat.getNbTrainableParameters().trainable).toBe(P * layers * 2 * d);
    const h = 6;
    const proj = getPeftModel(
      new TinyEncoder(),
      { peftType: 'PREFIX_TUNING', numVirtualTokens: P, prefixProjection: true, encoderHiddenSize: h },
      { placement },
    );
    const expected = P * d + (d * h + h) + (h * layers * 2 * d + layers * 2 * d);
    const counts = proj.getNbTrainableParameters();
    expect(counts.trainable).toBe(expected);
    expect(counts.trainable).toBe(trainableSize(proj));
  });

  it('save -> load reproduces outputs; HF keys at the file root; projection loads as its computed prefix', async () => {
    for (const prefixProjection of [false, true]) {
      setSeed(5);
      const peft = getPeftModel(
        new TinyEncoder(),
        {
          peftType: 'PREFIX_TUNING',
          numVirtualTokens: P,
          prefixProjection,
          encoderHiddenSize: 6,
          modulesToSave: ['classifier'],
        },
        { placement },
      );
      const x = ids();
      const m = attentionMask();
      trainSteps(peft, 3, { forward: () => peft.call(x, { attentionMask: m }) });
      const dir = tmp(`save-${prefixProjection}`);
      await peft.savePretrained(dir);
      // HF prompt learning: the prefix at the top level, modules_to_save under base_model.<path>.
      expect(await readAdapterShapes(dir)).toEqual({
        prompt_embeddings: [P, 32],
        'base_model.classifier.weight': [3, 8],
        'base_model.classifier.bias': [3],
      });
      const cfg = await readAdapterConfig(dir);
      expect(cfg).toMatchObject({
        peft_type: 'PREFIX_TUNING',
        num_virtual_tokens: P,
        prefix_projection: prefixProjection,
        num_transformer_submodules: 1,
        inference_mode: true,
      });
      expect(cfg.target_modules).toBeUndefined();
      const want = peft.call(x, { attentionMask: m });
      setSeed(5);
      const loaded = await PeftModel.fromPretrained(new TinyEncoder(), dir, { placement });
      const got = loaded.call(x, { attentionMask: m });
      expect(maxAbsDiff(got, want), `projection=${prefixProjection}`).toBeLessThan(1e-6);
      expect(loaded.getNbTrainableParameters().trainable).toBe(0);
      // Loaded trainable, a projection adapter trains its computed prefix directly.
      setSeed(5);
      const again = await PeftModel.fromPretrained(new TinyEncoder(), dir, { placement, isTrainable: true });
      expect(again.getNbTrainableParameters().trainable).toBe(P * 32 + 3 * 8 + 3);
      const losses = trainSteps(again, 5, { forward: () => again.call(x, { attentionMask: m }) });
      expect(losses[4]).toBeLessThan(losses[0] as number);
      tf.dispose([x, m, want, got]);
    }
  });

  it('two adapters: one active at a time, switching works, routing and double activation are refused', () => {
    setSeed(6);
    const peft = getPeftModel(
      new TinyEncoder(),
      { peftType: 'PREFIX_TUNING', numVirtualTokens: P },
      { placement, adapterName: 'a' },
    );
    peft.addAdapter('b', { peftType: 'PREFIX_TUNING', numVirtualTokens: 2 });
    const x = ids();
    const m = attentionMask();
    const ya = peft.call(x, { attentionMask: m });
    peft.setAdapter('b');
    const yb = peft.call(x, { attentionMask: m });
    expect(maxAbsDiff(ya, yb)).toBeGreaterThan(1e-4);
    expect(() => peft.setAdapter(['a', 'b'])).toThrow(/only one prefix adapter can be active/);
    expect(peft.activeAdapters).toEqual(['b']);
    expect(() => peft.callWithAdapterNames(['a', 'b', '__base__'], x, { attentionMask: m })).toThrow(
      /PREFIX_TUNING adapter '.' cannot be routed per example/,
    );
    peft.setAdapter('a');
    const ya2 = peft.call(x, { attentionMask: m });
    expect(sameValues(ya, ya2)).toBe(true);
    peft.deleteAdapter('a');
    expect(peft.model.getSubmodule('encoder.layers.0.self_attn')).toBeInstanceOf(PrefixTuningLayer);
    peft.deleteAdapter('b');
    expect(peft.model.getSubmodule('encoder.layers.0.self_attn')).toBeInstanceOf(MultiHeadAttention);
    tf.dispose([x, m, ya, yb, ya2]);
  });

  it('rejects bad input with errors that name the problem', () => {
    setSeed(7);
    expect(() => getPeftModel(new TinyEncoder(), { peftType: 'PREFIX_TUNING', numVirtualTokens: P })).toThrow(
      /PREFIX_TUNING: the model has no placement, so its 'attention' module is unknown/,
    );
    expect(() =>
      getPeftModel(
        new TinyBert(),
        { peftType: 'PREFIX_TUNING', numVirtualTokens: P },
        { placement: tinyBertPlacement },
      ),
    ).toThrow(/placement 'tiny-bert' declares no 'attention' role/);
    expect(() =>
      getPeftModel(new TinyBert(), {
        peftType: 'PREFIX_TUNING',
        numVirtualTokens: P,
        targetModules: ['self'],
      }),
    ).toThrow(
      /cannot wrap 'encoder.layer.0.attention.self' of type SelfAttention; it needs an attention module/,
    );
    expect(() =>
      getPeftModel(
        new TinyEncoder(),
        { peftType: 'PREFIX_TUNING', numVirtualTokens: P, numLayers: 12 },
        { placement },
      ),
    ).toThrow(/numLayers is 12, but the number of attention modules is 2/);
    expect(() =>
      getPeftModel(
        new TinyEncoder(),
        { peftType: 'PREFIX_TUNING', numVirtualTokens: P, tokenDim: 16 },
        { placement },
      ),
    ).toThrow(/tokenDim is 16, but the attention modules have embedDim 8/);
    expect(() =>
      getPeftModel(
        new TinyEncoder(),
        { peftType: 'PREFIX_TUNING', numVirtualTokens: P, prefixProjection: true },
        { placement },
      ),
    ).toThrow(/encoderHiddenSize: required when prefixProjection is true/);
    expect(() =>
      getPeftModel(new TinyEncoder(), { peftType: 'PREFIX_TUNING', numVirtualTokens: 0 }, { placement }),
    ).toThrow(/numVirtualTokens/);
    expect(() =>
      getPeftModel(
        new TinyEncoder(),
        // @ts-expect-error a value HF's prefix tuning lacks, on purpose: the run-time check is under test
        { peftType: 'PREFIX_TUNING', numVirtualTokens: P, numTransformerSubmodules: 3 },
        { placement },
      ),
    ).toThrow(/numTransformerSubmodules: expected 1 \(one stack\) or 2/);
    const peft = getPeftModel(
      new TinyEncoder(),
      { peftType: 'PREFIX_TUNING', numVirtualTokens: P },
      { placement },
    );
    expect(() => peft.merge()).toThrow(/PREFIX_TUNING adapter 'default' cannot be merged/);
    // A PrefixEncoder has no forward of its own.
    const enc = new PrefixEncoder({ numVirtualTokens: 1, tokenDim: 2, numLayers: 1, zeroInit: true });
    expect(() => enc.forward()).toThrow(/layerPrefix/);
    enc.dispose();
  });
});
