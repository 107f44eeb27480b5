import {
  type AnyModule,
  crossEntropy,
  type Head,
  type ModelBatch,
  PeftModel,
  type Prediction,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Seq2SeqLm } from '../models/seq2seq/seq2seq-lm.js';
import { SEQ2SEQ_IGNORE_INDEX, shiftTokensRight } from '../models/seq2seq/seq2seq-loss.js';
import type { Seq2SeqOutputs, T5Inputs } from '../models/t5/model.js';
import { isTextBatch, type TextBatch } from '../preprocess/text-batch.js';
import type { TextTokenizer } from '../preprocess/tokenizer.js';
import { targetsOf } from './head-support.js';
import { generateSeq2Seq, type Seq2SeqGenerateOptions } from './seq2seq-generation.js';
import { seq2seqConfigFromCheckpoint, writeSeq2SeqGenerationConfig } from './seq2seq-hf-generation.js';

/** Decoding settings of `nlp/seq2seq-lm` (HF `generate` names in camelCase). */
export const seq2seqGenerationConfig = z.strictObject({
  numBeams: z.number().int().positive().default(1),
  maxNewTokens: z.number().int().positive().default(64),
  minLength: z.number().int().nonnegative().optional(),
  lengthPenalty: z.number().default(1),
  earlyStopping: z.boolean().default(false),
  noRepeatNgramSize: z.number().int().nonnegative().default(0),
  doSample: z.boolean().default(false),
  temperature: z.number().positive().default(1),
  topK: z.number().int().positive().optional(),
  topP: z.number().gt(0).max(1).default(1),
  /** Seed for sampling (default: the run's seed through the process generator). */
  seed: z.number().int().optional(),
  /** `peftkit predict`: sequences per input (best beams, or samples); metrics use the first. */
  numReturnSequences: z.number().int().positive().default(1),
  /** Token ids overriding the model config's (HF `generation_config.json` may set them). */
  decoderStartTokenId: z.number().int().nonnegative().optional(),
  eosTokenId: z.number().int().nonnegative().optional(),
  forcedBosTokenId: z.number().int().nonnegative().optional(),
  forcedEosTokenId: z.number().int().nonnegative().optional(),
  /** Tokens never generated (HF `suppress_tokens`; one-token `bad_words_ids`, as Marian's pad). */
  suppressTokens: z.array(z.number().int().nonnegative()).optional(),
});

export const seq2seqLmHeadConfig = z.strictObject({
  /** As `torch.nn.CrossEntropyLoss(label_smoothing)` (HF `label_smoothing_factor`). */
  labelSmoothing: z.number().min(0).lt(1).default(0),
  /** How evaluation and `peftkit predict` decode. */
  generation: seq2seqGenerationConfig.default(seq2seqGenerationConfig.parse({})),
});

export type Seq2SeqLmHeadConfig = z.output<typeof seq2seqLmHeadConfig>;

/**
 * What the head's forward returns: the teacher-forced logits (for the loss) and, in eval mode,
 * the generated token rows, produced on first use (only metrics ask for them).
 */
export interface Seq2SeqHeadOutputs {
  readonly logits: tf.Tensor;
  readonly generated?: () => number[][];
}

/** The encoder-decoder inside a model (a PeftModel wraps it: adapters sit in its modules). */
function seq2seqModel(model: AnyModule): Seq2SeqLm & AnyModule {
  const inner = model instanceof PeftModel ? model.model : model;
  const lm = inner as Partial<Seq2SeqLm>;
  if (typeof lm.encode !== 'function' || typeof lm.decode !== 'function' || !lm.tokenIds) {
    throw new Error(
      `nlp/seq2seq-lm: the model (${inner.typeName}) is not an encoder-decoder (T5, BART, Marian)`,
    );
  }
  return inner as Seq2SeqLm & AnyModule;
}

function generationOptions(config: Seq2SeqLmHeadConfig | undefined): Seq2SeqGenerateOptions {
  const g = (config ?? seq2seqLmHeadConfig.parse({})).generation;
  return {
    numBeams: g.numBeams,
    maxNewTokens: g.maxNewTokens,
    lengthPenalty: g.lengthPenalty,
    earlyStopping: g.earlyStopping,
    noRepeatNgramSize: g.noRepeatNgramSize,
    doSample: g.doSample,
    temperature: g.temperature,
    topP: g.topP,
    numReturnSequences: g.numReturnSequences,
    ...(g.minLength !== undefined ? { minLength: g.minLength } : {}),
    ...(g.topK !== undefined ? { topK: g.topK } : {}),
    ...(g.seed !== undefined ? { seed: g.seed } : {}),
    ...(g.decoderStartTokenId !== undefined ? { decoderStartTokenId: g.decoderStartTokenId } : {}),
    ...(g.eosTokenId !== undefined ? { eosTokenId: g.eosTokenId } : {}),
    ...(g.forcedBosTokenId !== undefined ? { forcedBosTokenId: g.forcedBosTokenId } : {}),
    ...(g.forcedEosTokenId !== undefined ? { forcedEosTokenId: g.forcedEosTokenId } : {}),
    ...(g.suppressTokens !== undefined ? { suppressTokens: g.suppressTokens } : {}),
  };
}

function textBatch(batch: ModelBatch): TextBatch {
  if (!isTextBatch(batch)) throw new Error('nlp/seq2seq-lm: needs batches of nlp/seq2seq-tokenizer');
  return batch;
}

/**
 * Token ids as text: special tokens and -100 padding dropped, and ids past the tokenizer's
 * vocabulary too (a model's embedding may be padded beyond it, as T5's 32128 rows for 32100 tokens).
 */
function decoder(tok: TextTokenizer): (row: ArrayLike<number>) => string {
  return (row) =>
    tok
      .decode(
        Array.from(row).filter((id) => id >= 0 && id < tok.vocabSize),
        { skipSpecialTokens: true },
      )
      .trim();
}

/**
 * `nlp/seq2seq-lm`: an encoder-decoder's own LM head (HF `T5ForConditionalGeneration`,
 * `BartForConditionalGeneration`, `MarianMTModel`, which have no separate base: `basePath ''`).
 * Training is teacher-forced (labels shifted right behind the decoder start token, -100 ignored,
 * optional label smoothing); evaluation and prediction decode with `generateSeq2Seq` under
 * `generation` (greedy, beams, sampling), and BLEU / chrF / ROUGE score the decoded text.
 */
export const seq2seqLmHead: Head<Seq2SeqLmHeadConfig, Seq2SeqHeadOutputs> = {
  id: 'nlp/seq2seq-lm',
  task: 'seq2seq',
  description:
    'encoder-decoder LM head (T5/BART/Marian): teacher-forced cross-entropy, generation on eval and predict',
  configSchema: seq2seqLmHeadConfig,
  defaultMetrics: ['bleu'],
  hf: {
    classSuffix: 'ForConditionalGeneration',
    taskTypes: ['SEQ_2_SEQ_LM'],
    readers: ['nlp/tsv-pairs', 'nlp/jsonl-pairs'],
    configFromCheckpoint: seq2seqConfigFromCheckpoint,
    writeCheckpointFiles: writeSeq2SeqGenerationConfig,
  },
  build({ base, architecture }) {
    const lm = base as Partial<Seq2SeqLm>;
    if (typeof lm.encode !== 'function' || typeof lm.decode !== 'function' || !lm.tokenIds) {
      throw new Error(`nlp/seq2seq-lm needs an encoder-decoder base (t5, bart, marian), got ${architecture}`);
    }
    // The whole *ForConditionalGeneration is the base: its LM head is in the base checkpoint.
    return { model: base, basePath: '', headPaths: [] };
  },
  forward(model, batch, { training, config }) {
    const lm = seq2seqModel(model);
    const b = textBatch(batch);
    const [ids, { attentionMask }] = b.inputs;
    const decoderInputIds = b.targets
      ? shiftTokensRight(b.targets, lm.tokenIds)
      : tf.fill([b.size, 1], lm.tokenIds.decoderStartTokenId, 'int32');
    const inputs: T5Inputs = { decoderInputIds, ...(attentionMask ? { attentionMask } : {}) };
    const { logits } = model.forward(ids, inputs) as Seq2SeqOutputs;
    if (training) return { logits };
    let rows: number[][] | undefined;
    const generated = () => {
      rows ??= generateSeq2Seq(lm, b.rows, { ...generationOptions(config), numReturnSequences: 1 });
      return rows;
    };
    return { logits, generated };
  },
  loss(outputs, batch, context) {
    return crossEntropy(outputs.logits, tf.cast(targetsOf(batch, 'nlp/seq2seq-lm'), 'int32'), {
      ignoreIndex: SEQ2SEQ_IGNORE_INDEX,
      labelSmoothing: context?.config.labelSmoothing ?? 0,
    }) as tf.Scalar;
  },
  metricInputs(outputs, batch) {
    const b = textBatch(batch);
    if (!outputs.generated) throw new Error('nlp/seq2seq-lm: metric inputs need an eval-mode forward');
    const targets = targetsOf(batch, 'nlp/seq2seq-lm').arraySync() as number[][];
    return {
      predictions: outputs.generated(),
      targets: targets.map((r) => r.filter((id) => id !== SEQ2SEQ_IGNORE_INDEX)),
      decode: decoder(b.tokenizer),
    };
  },
  async predict(_outputs, { model, batch, config }): Promise<Prediction[]> {
    const b = textBatch(batch);
    const options = generationOptions(config);
    const n = options.numReturnSequences ?? 1;
    const texts = generateSeq2Seq(seq2seqModel(model), b.rows, options).map(decoder(b.tokenizer));
    return Array.from({ length: b.size }, (_, i) =>
      n === 1 ? { value: texts[i] as string } : { value: texts.slice(i * n, (i + 1) * n) },
    );
  },
};
