import { getPeftModel, Rng, rootPlacement, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bertConfig } from '../models/bert/config.js';
import { BertModel } from '../models/bert/model.js';
import { gpt2Config } from '../models/gpt2/config.js';
import { Gpt2Model } from '../models/gpt2/model.js';
import { gpt2Placement } from '../models/gpt2/placement.js';
import type { CausalLmModel } from '../models/task/causal-lm.js';
import type { TiedLinear } from '../models/task/tied-linear.js';
import type { TokenClassifierOutput } from '../models/task/token-classification.js';
import { causalLmHead, causalLmHeadConfig } from './causal-lm-head.js';
import { generate } from './generation.js';
import { maskedLmHead } from './masked-lm-head.js';
import { chooseToken } from './sampling.js';
import { tokenClassificationHead } from './token-classification-head.js';

const BERT = bertConfig({
  vocab_size: 25,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 16,
});
const GPT = gpt2Config({ vocab_size: 25, n_positions: 32, n_embd: 8, n_layer: 2, n_head: 2 });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('nlp/token-classification', () => {
  it('scores first word pieces only and predicts one label per word', async () => {
    setSeed(1);
    const headed = tokenClassificationHead.build({
      base: new BertModel(BERT, { addPoolingLayer: false }),
      architecture: 'bert',
      baseConfig: BERT,
      features: 8,
      config: {},
      labels: ['O', 'B-X', 'I-X'],
    });
    expect(headed.headPaths).toEqual(['classifier']);
    const model = headed.model.eval() as unknown as { call(...a: unknown[]): TokenClassifierOutput };
    const ids = tf.tensor2d([[2, 5, 6, 7, 3]], [1, 5], 'int32');
    const wordStarts = tf.tensor2d([[0, 1, 0, 1, 0]], [1, 5], 'int32');
    const out = model.call(ids, { wordStarts });
    expect(out.logits.shape).toEqual([1, 5, 3]);
    const targets = tf.tensor2d([[-100, 1, -100, 0, -100]], [1, 5], 'int32');
    const batch = { inputs: [ids, { wordStarts }], targets, size: 1 };
    const loss = tokenClassificationHead.loss(out, batch);
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    const m = tokenClassificationHead.metricInputs(out, batch);
    expect(m.targets).toEqual([1, 0]);
    const [pred] = await tokenClassificationHead.predict(out, {
      labels: ['O', 'B-X', 'I-X'],
      model: headed.model,
      batch,
    });
    expect(pred?.value).toHaveLength(2);
    tf.dispose([ids, wordStarts, targets, loss, out.logits, out.wordStarts as tf.Tensor]);
    headed.model.dispose();
  });
});

describe('nlp/masked-lm', () => {
  it("ties the decoder to the word embeddings under HF's names and ignores unmasked positions", () => {
    setSeed(2);
    const headed = maskedLmHead.build({
      base: new BertModel(BERT, { addPoolingLayer: false }),
      architecture: 'bert',
      baseConfig: BERT,
      features: 8,
      config: {},
      labels: undefined,
    });
    const sd = headed.model.stateDict();
    // The tied decoder weight is the embedding itself, left out of the head (as HF's files do).
    const decoder = headed.model.getSubmodule('cls.predictions.decoder') as TiedLinear;
    expect(decoder.weight).toBe(sd.get('bert.embeddings.word_embeddings.weight'));
    expect(sd.has('cls.predictions.decoder.weight')).toBe(false);
    expect(headed.headPaths).toEqual(['cls.predictions']);
    expect([...headed.model.getSubmodule('cls.predictions').stateDict().keys()].sort()).toEqual([
      'bias',
      'transform.LayerNorm.bias',
      'transform.LayerNorm.weight',
      'transform.dense.bias',
      'transform.dense.weight',
    ]);
    const logits = (headed.model as unknown as { call(ids: tf.Tensor): tf.Tensor }).call(
      tf.tensor2d([[2, 4, 9, 3]], [1, 4], 'int32'),
    );
    expect(logits.shape).toEqual([1, 4, 25]);
    const targets = tf.tensor2d([[-100, 7, -100, -100]], [1, 4], 'int32');
    const batch = { inputs: [], targets, size: 1 };
    const loss = maskedLmHead.loss(logits, batch).dataSync()[0] as number;
    const logp = tf.logSoftmax(logits).arraySync() as number[][][];
    expect(loss).toBeCloseTo(-(logp[0]?.[1]?.[7] as number), 4);
    expect(maskedLmHead.metricInputs(logits, batch).targets).toEqual([7]);
    tf.dispose([logits, targets]);
    headed.model.dispose();
    expect(() =>
      maskedLmHead.build({
        base: new Gpt2Model(GPT),
        architecture: 'gpt2',
        baseConfig: GPT,
        features: 8,
        config: {},
        labels: undefined,
      }),
    ).toThrow(/needs a BERT or DistilBERT base/);
  });
});

describe('nlp/causal-lm and generate', () => {
  function lm(): CausalLmModel {
    setSeed(3);
    return causalLmHead.build({
      base: new Gpt2Model(GPT),
      architecture: 'gpt2',
      baseConfig: GPT,
      features: 8,
      config: causalLmHeadConfig.parse({}),
      labels: undefined,
    }).model as CausalLmModel;
  }

  it('shifts targets by one in the loss', () => {
    const model = lm().eval();
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const logits = model.call(ids);
    const loss = causalLmHead.loss(logits, { inputs: [], targets: ids, size: 1 }).dataSync()[0] as number;
    const logp = tf.logSoftmax(logits).arraySync() as number[][][];
    const expected = -((logp[0]?.[0]?.[2] as number) + (logp[0]?.[1]?.[3] as number)) / 2;
    expect(loss).toBeCloseTo(expected, 4);
    const nll = causalLmHead.metricInputs(logits, { inputs: [], targets: ids, size: 1 })
      .predictions as number[];
    expect(nll).toHaveLength(2);
    tf.dispose([ids, logits]);
    model.dispose();
  });

  it('drops the virtual tokens of prompt tuning before the loss (HF pads their labels with -100)', () => {
    const model = lm();
    const peft = getPeftModel(
      model,
      { peftType: 'PROMPT_TUNING', numVirtualTokens: 3 },
      {
        placement: rootPlacement(gpt2Placement, { model, basePath: 'transformer', headPaths: [] }),
      },
    );
    const ids = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const logits = peft.call(ids, { attentionMask: tf.ones([1, 4], 'int32') }) as tf.Tensor;
    expect(logits.shape).toEqual([1, 7, 25]);
    const loss = causalLmHead.loss(logits, { inputs: [], targets: ids, size: 1 }).dataSync()[0] as number;
    expect(Number.isFinite(loss)).toBe(true);
    tf.dispose([ids, logits]);
    peft.dispose();
  });

  it('greedy generation with the KV cache equals re-running the full sequence each step', () => {
    const model = lm().eval();
    const prompt = [4, 8, 15];
    const [fast] = generate(model, [prompt], { maxNewTokens: 6, padTokenId: 0 });
    const seq = [...prompt];
    for (let i = 0; i < 6; i++) {
      const logits = model.call(tf.tensor2d([seq], [1, seq.length], 'int32'));
      const last = tf
        .argMax(tf.slice(logits, [0, seq.length - 1, 0], [1, 1, -1]).reshape([-1]))
        .dataSync()[0];
      seq.push(last as number);
      logits.dispose();
    }
    expect(fast).toEqual(seq.slice(3));
    model.dispose();
  });

  it('left-pads a batch of prompts so each row generates as if alone, and stops at stop tokens', () => {
    const model = lm().eval();
    const before = tf.memory().numTensors;
    const [a, b] = generate(model, [[4, 8, 15], [16]], { maxNewTokens: 5, padTokenId: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const [alone] = generate(model, [[16]], { maxNewTokens: 5, padTokenId: 0 });
    expect(b).toEqual(alone);
    expect(a).toHaveLength(5);
    const stop = a?.[1] as number;
    const [stopped] = generate(model, [[4, 8, 15]], { maxNewTokens: 5, padTokenId: 0, stopTokens: [stop] });
    expect(stopped).toEqual(a?.slice(0, (a?.indexOf(stop) as number) + 1));
    model.dispose();
  });

  it('samples reproducibly from a seed with temperature, top-k and top-p', () => {
    const model = lm().eval();
    const opts = {
      maxNewTokens: 8,
      padTokenId: 0,
      doSample: true,
      temperature: 1.5,
      topK: 10,
      topP: 0.9,
      seed: 42,
    };
    const [x] = generate(model, [[1, 2]], opts);
    const [y] = generate(model, [[1, 2]], opts);
    expect(x).toEqual(y);
    model.dispose();
  });
});

describe('chooseToken', () => {
  const logits = [0.1, 2.0, 1.9, -1, 0.5];
  it('is greedy without sampling, and with top-k 1 or a tiny top-p', () => {
    const rng = new Rng(0);
    expect(chooseToken(logits, {}, rng)).toBe(1);
    expect(chooseToken(logits, { doSample: true, topK: 1 }, rng)).toBe(1);
    expect(chooseToken(logits, { doSample: true, topP: 0.01 }, rng)).toBe(1);
  });

  it('draws only from the top-k set, in proportion to softmax(logits / T)', () => {
    const rng = new Rng(7);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[chooseToken(logits, { doSample: true, topK: 2 }, rng)]! += 1;
    expect(counts[0]! + counts[3]! + counts[4]!).toBe(0);
    const p1 = Math.exp(2.0) / (Math.exp(2.0) + Math.exp(1.9));
    expect((counts[1] as number) / 4000).toBeCloseTo(p1, 1);
    expect(() => chooseToken(logits, { doSample: true, temperature: 0 }, rng)).toThrow(/temperature/);
  });
});
