import type { EvalOutput } from '@peftkit/core';
import { disposeTensorsIn, getPeftModel, initBackend, setSeed, UserError } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seq2seqLmLoss } from '../models/seq2seq/seq2seq-loss.js';
import { t5Config } from '../models/t5/config.js';
import { T5ForConditionalGeneration } from '../models/t5/model.js';
import {
  resolveSourcePrefix,
  Seq2SeqPreprocessor,
  seq2seqPreprocessorOptions,
} from '../preprocess/seq2seq-preprocessor.js';
import type { TextBatch } from '../preprocess/text-batch.js';
import { trainWordPiece } from '../preprocess/wordpiece-trainer.js';
import { toyTranslationPairs } from '../testing/toy-translation.js';
import { generateSeq2Seq } from './seq2seq-generation.js';
import { seq2seqLmHead, seq2seqLmHeadConfig } from './seq2seq-lm-head.js';

const pairs = toyTranslationPairs(12, 11);
function setup(options: Record<string, unknown> = {}) {
  const tok = trainWordPiece(
    pairs.flatMap((p) => [p.source, p.target]),
    { vocabSize: 60, minFrequency: 1, normalizer: { lowercase: true } },
  );
  const pre = new Seq2SeqPreprocessor(seq2seqPreprocessorOptions.parse(options));
  pre.setTokenizer(tok);
  const hints = pre.modelConfig() as { vocab_size: number; pad_token_id: number; eos_token_id: number };
  setSeed(5);
  const model = new T5ForConditionalGeneration(
    t5Config({ ...hints, d_model: 16, d_kv: 4, d_ff: 32, num_layers: 1, num_heads: 2, dropout_rate: 0 }),
  );
  return { tok, pre, model };
}

function batchOf(pre: Seq2SeqPreprocessor, ps: readonly { source: string; target: string }[]): TextBatch {
  return pre.collate(ps.map((p) => pre.encode(p)));
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('nlp/seq2seq-tokenizer', () => {
  it('fills the task prefix from the language pair, and refuses a placeholder without its language', () => {
    const o = (x: Record<string, unknown>) => seq2seqPreprocessorOptions.parse(x);
    expect(
      resolveSourcePrefix(
        o({
          sourcePrefix: 'translate {sourceLang} to {targetLang}: ',
          sourceLang: 'English',
          targetLang: 'German',
        }),
      ),
    ).toBe('translate English to German: ');
    expect(() => resolveSourcePrefix(o({ sourcePrefix: 'translate {sourceLang} to x: ' }))).toThrow(
      UserError,
    );
    expect(() => resolveSourcePrefix(o({ sourcePrefix: 'translate {sourceLang} to x: ' }))).toThrow(
      /set preprocess\.options\.sourceLang/,
    );
  });

  it('prefixes and truncates sources, pads them with the pad id and the labels with -100', () => {
    const { tok, pre } = setup({ sourcePrefix: 'the ', maxSourceLength: 6, maxTargetLength: 5 });
    const short = { source: 'the cat', target: 'da mik' };
    const long = pairs[0] as { source: string; target: string };
    const e = pre.encode(short);
    // [CLS] the the cat [SEP]: the prefix comes first, the template wraps the whole source.
    expect(tok.decode(e.source as number[])).toContain('the the cat');
    expect(pre.encode(long).source.length).toBe(6);
    expect(pre.encode(long).labels?.length).toBe(5);
    const b = batchOf(pre, [short, long]);
    const ids = b.inputs[0].arraySync() as number[][];
    const mask = b.inputs[1].attentionMask?.arraySync() as number[][];
    const labels = b.targets?.arraySync() as number[][];
    expect(ids[0]?.slice(e.source.length)).toEqual(new Array(6 - e.source.length).fill(tok.padId));
    expect(mask[0]).toEqual([
      ...new Array(e.source.length).fill(1),
      ...new Array(6 - e.source.length).fill(0),
    ]);
    expect(labels[0]?.slice(e.labels?.length)).toEqual(new Array(5 - (e.labels?.length ?? 0)).fill(-100));
    expect(b.rows[0]).toEqual(e.source);
    disposeTensorsIn(b);
    // A command-line input has no target: no labels.
    const q = batchOf(pre, [pre.parseInput('the dog')]);
    expect(q.targets).toBeUndefined();
    disposeTensorsIn(q);
  });
});

describe('nlp/seq2seq-lm', () => {
  it('builds with the model as its own base and refuses an encoder-only base', () => {
    const { model } = setup();
    const built = seq2seqLmHead.build({
      base: model,
      architecture: 't5',
      baseConfig: model.config,
      features: 16,
      config: seq2seqLmHeadConfig.parse({}),
      labels: undefined,
    });
    expect(built).toEqual({ model, basePath: '', headPaths: [] });
    expect(() =>
      seq2seqLmHead.build({
        base: model.getSubmodule('encoder'),
        architecture: 'bert',
        baseConfig: {},
        features: 16,
        config: seq2seqLmHeadConfig.parse({}),
        labels: undefined,
      }),
    ).toThrow(/needs an encoder-decoder base.*got bert/);
    model.dispose();
  });

  it('loss is the teacher-forced cross-entropy (label smoothing too), through a PeftModel', () => {
    const { pre, model } = setup();
    const b = batchOf(pre, pairs.slice(0, 4));
    for (const labelSmoothing of [0, 0.1]) {
      const config = seq2seqLmHeadConfig.parse({ labelSmoothing });
      const got = tf.tidy(
        () =>
          seq2seqLmHead
            .loss(seq2seqLmHead.forward?.(model, b, { training: true, config }) as never, b, { config })
            .dataSync()[0],
      );
      const want = tf.tidy(
        () =>
          seq2seqLmLoss(model, b.inputs[0], b.targets as tf.Tensor, {
            attentionMask: b.inputs[1].attentionMask as tf.Tensor,
            labelSmoothing,
          }).dataSync()[0],
      );
      expect(got).toBeCloseTo(want as number, 5);
    }
    const peft = getPeftModel(model, { peftType: 'LORA', r: 2, targetModules: ['q', 'v'] });
    const config = seq2seqLmHeadConfig.parse({});
    const viaPeft = tf.tidy(
      () =>
        seq2seqLmHead
          .loss(seq2seqLmHead.forward?.(peft, b, { training: true, config }) as never, b, { config })
          .dataSync()[0],
    );
    // LoRA B starts at zero: the adapted model computes the same loss.
    const plain = tf.tidy(
      () =>
        seq2seqLmLoss(model, b.inputs[0], b.targets as tf.Tensor, {
          attentionMask: b.inputs[1].attentionMask as tf.Tensor,
        }).dataSync()[0],
    );
    expect(viaPeft).toBeCloseTo(plain as number, 5);
    disposeTensorsIn(b);
    peft.dispose();
  });

  it('metric inputs are the generated rows and the labels, decoded without special tokens; no tensor leaks', async () => {
    const { tok, pre, model } = setup();
    const b = batchOf(pre, pairs.slice(0, 3));
    const config = seq2seqLmHeadConfig.parse({ generation: { numBeams: 2, maxNewTokens: 5 } });
    const step = () => {
      let inputs: EvalOutput | undefined;
      tf.tidy(() => {
        const out = seq2seqLmHead.forward?.(model, b, { training: false, config });
        inputs = seq2seqLmHead.metricInputs(out as never, b, { config });
      });
      const r = inputs as EvalOutput;
      return { predictions: r.predictions as number[][], targets: r.targets as number[][], decode: r.decode };
    };
    const first = step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    expect(first.predictions).toEqual(generateSeq2Seq(model, b.rows, { numBeams: 2, maxNewTokens: 5 }));
    expect(first.targets.map((r) => first.decode?.(r))).toEqual(pairs.slice(0, 3).map((p) => p.target));
    for (const row of first.predictions) {
      const text = first.decode?.(row) as string;
      expect(text).not.toMatch(/\[(CLS|SEP|PAD)\]/);
      expect(text).toBe(
        tok
          .decode(
            row.filter((id) => id < tok.vocabSize),
            { skipSpecialTokens: true },
          )
          .trim(),
      );
    }
    disposeTensorsIn(b);
    model.dispose();
  });

  it('predict returns the generated text, or the best numReturnSequences beams as a list', async () => {
    const { pre, model } = setup();
    const b = batchOf(pre, [
      pre.parseInput('the red cat sees the dog'),
      pre.parseInput('the big bird eats the fish'),
    ]);
    const predict = async (generation: Record<string, unknown>) => {
      const config = seq2seqLmHeadConfig.parse({ generation });
      const out = tf.tidy(
        () => seq2seqLmHead.forward?.(model, b, { training: false, config }) as unknown as tf.TensorContainer,
      );
      try {
        return await seq2seqLmHead.predict(out as never, { labels: undefined, model, batch: b, config });
      } finally {
        disposeTensorsIn(out);
      }
    };
    const one = await predict({ numBeams: 3, maxNewTokens: 6 });
    const three = await predict({ numBeams: 3, maxNewTokens: 6, numReturnSequences: 3 });
    expect(one.map((p) => typeof p.value)).toEqual(['string', 'string']);
    expect(three.map((p) => (p.value as string[]).length)).toEqual([3, 3]);
    // The best of three beams is what a single-sequence beam search returns.
    expect(three.map((p) => (p.value as string[])[0])).toEqual(one.map((p) => p.value));
    await expect(predict({ numBeams: 2, numReturnSequences: 3 })).rejects.toThrow(/must not exceed numBeams/);
    await expect(predict({ numReturnSequences: 2 })).rejects.toThrow(
      /needs beam search \(numBeams\) or doSample/,
    );
    const sampled = await predict({ doSample: true, seed: 3, numReturnSequences: 2, maxNewTokens: 6 });
    expect(sampled.map((p) => (p.value as string[]).length)).toEqual([2, 2]);
    disposeTensorsIn(b);
    model.dispose();
  });
});
