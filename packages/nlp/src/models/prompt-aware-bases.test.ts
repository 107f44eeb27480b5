import { getPeftModel, type Module, type Placement, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bertArchitecture } from './bert/architecture.js';
import { distilBertArchitecture } from './distilbert/architecture.js';
import { gpt2Architecture } from './gpt2/architecture.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Inputs = {
  attentionMask?: tf.Tensor;
  tokenTypeIds?: tf.Tensor;
  positionIds?: tf.Tensor;
  cache?: unknown;
};
type Base = Module<[tf.Tensor, Inputs?], { lastHiddenState: tf.Tensor }>;

const P = 2;
const VOCAB = 12;
const CASES: { id: string; build: () => { model: Base; placement: Placement }; leftPadded: boolean }[] = [
  {
    id: 'bert',
    leftPadded: false,
    build: () => {
      const config = bertArchitecture.configSchema.parse({
        vocab_size: VOCAB,
        hidden_size: 8,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 16,
        hidden_dropout_prob: 0,
        attention_probs_dropout_prob: 0,
      });
      return { model: bertArchitecture.build(config) as Base, placement: bertArchitecture.placement(config) };
    },
  },
  {
    id: 'distilbert',
    leftPadded: false,
    build: () => {
      const config = distilBertArchitecture.configSchema.parse({
        vocab_size: VOCAB,
        dim: 8,
        n_layers: 2,
        n_heads: 2,
        hidden_dim: 16,
        max_position_embeddings: 16,
        dropout: 0,
        attention_dropout: 0,
      });
      return {
        model: distilBertArchitecture.build(config) as Base,
        placement: distilBertArchitecture.placement(config),
      };
    },
  },
  {
    // Causal: padding goes on the left, so padded tokens come before the real ones they could reach.
    id: 'gpt2',
    leftPadded: true,
    build: () => {
      const config = gpt2Architecture.configSchema.parse({
        vocab_size: VOCAB,
        n_positions: 16,
        n_embd: 8,
        n_layer: 2,
        n_head: 2,
        resid_pdrop: 0,
        embd_pdrop: 0,
        attn_pdrop: 0,
      });
      return { model: gpt2Architecture.build(config) as Base, placement: gpt2Architecture.placement(config) };
    },
  },
];

/** Row 0: 5 real tokens; row 1: 3 real tokens and 2 padded (on the right, or the left). */
function mask(leftPadded: boolean): tf.Tensor2D {
  return tf.tensor2d([[1, 1, 1, 1, 1], leftPadded ? [0, 0, 1, 1, 1] : [1, 1, 1, 0, 0]], [2, 5], 'int32');
}

function ids(padValue: number, leftPadded: boolean): tf.Tensor2D {
  const row1 = leftPadded ? [padValue, padValue, 3, 4, 5] : [3, 4, 5, padValue, padValue];
  return tf.tensor2d([[1, 2, 3, 4, 5], row1], [2, 5], 'int32');
}

describe('bare text bases are PromptAware (prompt tuning with a padding mask)', () => {
  for (const c of CASES) {
    it(`${c.id}: the mask covers the virtual tokens, padded tokens stay invisible, disable gives the base`, () => {
      setSeed(3);
      const start = tf.memory().numTensors;
      const { model, placement } = c.build();
      const attentionMask = mask(c.leftPadded);
      const a = ids(6, c.leftPadded);
      const b = ids(9, c.leftPadded);
      // tidy: BERT also returns a pooled output, dropped here.
      const base = tf.tidy(() => model.call(a, { attentionMask }).lastHiddenState);
      const peft = getPeftModel(model, { peftType: 'PROMPT_TUNING', numVirtualTokens: P }, { placement });
      const run = (x: tf.Tensor, extra: Inputs = {}) =>
        tf.tidy(
          () => (peft.call(x, { attentionMask, ...extra }) as { lastHiddenState: tf.Tensor }).lastHiddenState,
        );
      const outA = run(a);
      expect(outA.shape).toEqual([2, P + 5, 8]);
      // Only the padded ids differ between a and b: every non-padded position of row 1 (the
      // virtual tokens and the 3 real ones) must not see them.
      const outB = run(b);
      const visible = c.leftPadded ? [0, 1, P + 2, P + 3, P + 4] : [0, 1, P, P + 1, P + 2];
      const rowsOf = (t: tf.Tensor) =>
        tf.tidy(() => tf.gather(tf.squeeze(tf.slice(t, [1, 0, 0], [1, -1, -1]), [0]), visible).arraySync());
      expect(rowsOf(outB)).toEqual(rowsOf(outA));
      // Row 0 has no padding: the padded ids of row 1 change nothing there either.
      expect(tf.tidy(() => tf.slice(outB, [0, 0, 0], [1, -1, -1]).arraySync())).toEqual(
        tf.tidy(() => tf.slice(outA, [0, 0, 0], [1, -1, -1]).arraySync()),
      );
      const off = peft.disableAdapter(() => run(a));
      expect(off.shape).toEqual(base.shape);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(off, base))).dataSync()[0])).toBe(0);
      tf.dispose([outA, outB, off]);
      peft.dispose();
      tf.dispose([attentionMask, a, b, base]);
      expect(tf.memory().numTensors).toBe(start);
    });
  }

  it('bert: token types of the virtual tokens are segment 0', () => {
    setSeed(4);
    const { model, placement } = CASES[0]!.build();
    const peft = getPeftModel(model, { peftType: 'PROMPT_TUNING', numVirtualTokens: P }, { placement });
    const x = ids(6, false);
    const attentionMask = mask(false);
    const tokenTypeIds = tf.zerosLike(x);
    const plain = (peft.call(x, { attentionMask }) as { lastHiddenState: tf.Tensor }).lastHiddenState;
    const typed = (peft.call(x, { attentionMask, tokenTypeIds }) as { lastHiddenState: tf.Tensor })
      .lastHiddenState;
    expect(typed.arraySync()).toEqual(plain.arraySync());
    tf.dispose([x, attentionMask, tokenTypeIds, plain, typed]);
    peft.dispose();
  });

  it('gpt2: given position ids shift past the virtual tokens; a KV cache is refused', () => {
    setSeed(5);
    const { model, placement } = CASES[2]!.build();
    const peft = getPeftModel(model, { peftType: 'PROMPT_TUNING', numVirtualTokens: P }, { placement });
    const x = ids(6, true);
    const positionIds = tf.tensor2d(
      [
        [0, 1, 2, 3, 4],
        [0, 1, 2, 3, 4],
      ],
      [2, 5],
      'int32',
    );
    const plain = (peft.call(x) as { lastHiddenState: tf.Tensor }).lastHiddenState;
    const given = (peft.call(x, { positionIds }) as { lastHiddenState: tf.Tensor }).lastHiddenState;
    // The default positions of the prompted sequence are 0 .. P + 4: the same as shifted ids.
    expect(given.arraySync()).toEqual(plain.arraySync());
    const cache = { keys: [], values: [] };
    expect(() => peft.call(x, { cache })).toThrow(/prompt tuning cannot run with a KV cache/);
    tf.dispose([x, positionIds, plain, given]);
    peft.dispose();
  });
});
