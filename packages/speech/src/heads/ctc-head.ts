import { ctcLoss, type Head, type HeadContext, type ModelBatch, type Prediction } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { textToCodes } from '../metrics/text-codes.js';
import { type CtcOutput, SpeechCtcModel } from './ctc-model.js';
import { unpadCtcTargets } from './ctc-targets.js';
import { CtcVocabulary, DEFAULT_CTC_TOKENS } from './ctc-vocabulary.js';
import { basePrefixOf, featureWidth } from './encoder-output.js';
import { initializerRange } from './init-linear.js';

const HEAD = 'speech/ctc';

export const ctcHeadConfig = z.strictObject({
  /** Dropout before `lm_head` (default: the base config's `final_dropout`, else 0.1 as HF). */
  dropout: z.number().min(0).max(1).optional(),
  /** The blank token, a label of the run (HF: `pad_token`). */
  blank: z.string().min(1).default(DEFAULT_CTC_TOKENS.blank),
  /** The token standing for a space between words. */
  wordDelimiter: z.string().min(1).default(DEFAULT_CTC_TOKENS.wordDelimiter),
  /** The token replacing characters outside the vocabulary. */
  unk: z.string().min(1).default(DEFAULT_CTC_TOKENS.unk),
  /** `mean` (HF fine-tuning scripts: each loss over its target length, then the batch mean) or `sum`. */
  reduction: z.enum(['mean', 'sum']).default('mean'),
  /**
   * A transcript too long for its audio frames gives loss 0 instead of Infinity (HF
   * `ctc_zero_infinity`). On by default: one such utterance would otherwise stop training.
   */
  zeroInfinity: z.boolean().default(true),
});

export type CtcHeadConfig = z.output<typeof ctcHeadConfig>;

const DEFAULTS: CtcHeadConfig = ctcHeadConfig.parse({});

/** The run's vocabulary (its label set) with the head config's special tokens. */
export function ctcVocabulary(
  labels: readonly string[] | undefined,
  config: CtcHeadConfig = DEFAULTS,
): CtcVocabulary {
  if (!labels) {
    throw new Error(`${HEAD}: needs the vocabulary as the run's label set (the reader's labels), got none`);
  }
  return new CtcVocabulary(labels, {
    blank: config.blank,
    wordDelimiter: config.wordDelimiter,
    unk: config.unk,
  });
}

/** Greedy (best-path) transcripts: arg-max per valid frame, repeats merged, blanks dropped. */
export function greedyTranscripts(outputs: CtcOutput, vocab: CtcVocabulary): string[] {
  const [b, t] = outputs.logits.shape as [number, number, number];
  const best = tf.argMax(outputs.logits, -1);
  const ids = best.dataSync();
  best.dispose();
  const lengths = outputs.outputLengths.dataSync();
  return Array.from({ length: b }, (_, i) =>
    vocab.decode(vocab.collapse(ids.subarray(i * t, (i + 1) * t), lengths[i] as number)),
  );
}

function targetsOf(batch: ModelBatch): tf.Tensor {
  if (!batch.targets) throw new Error(`${HEAD}: the batch has no targets (are the transcripts missing?)`);
  return batch.targets;
}

function blankOf(context: HeadContext<CtcHeadConfig> | undefined): number {
  // Without the labels (a hand-made call), the blank is HF wav2vec2's pad id 0.
  return context?.labels ? ctcVocabulary(context.labels, context.config).blankId : 0;
}

/**
 * `speech/ctc`: speech recognition with connectionist temporal classification. HF's
 * `Wav2Vec2ForCTC` on any speech base (`dropout` + `lm_head` over the base's frame features). The
 * run's label set is the output vocabulary (characters, `<pad>` = blank, `|` = word delimiter,
 * `<unk>`); targets are int32 `[B, U]` class ids padded with -100 (`padCtcTargets`); the loss uses
 * the encoder's output lengths. Metrics and predictions use greedy decoding.
 */
export const ctcHead: Head<CtcHeadConfig, CtcOutput> = {
  id: HEAD,
  task: 'speech-recognition',
  description:
    'speech to text: linear lm_head over encoder frames, CTC loss, greedy decoding (wav2vec2 style)',
  configSchema: ctcHeadConfig,
  defaultMetrics: ['cer', 'wer'],
  build({ base, architecture, baseConfig, features, config, labels }) {
    const vocab = ctcVocabulary(labels, config);
    const finalDropout = (baseConfig as { final_dropout?: unknown } | undefined)?.final_dropout;
    const model = new SpeechCtcModel(base, {
      basePath: basePrefixOf(base, architecture, baseConfig),
      features: featureWidth(features, baseConfig, HEAD),
      vocabSize: vocab.size,
      dropout: config.dropout ?? (typeof finalDropout === 'number' ? finalDropout : 0.1),
      initializerRange: initializerRange(baseConfig),
    });
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(outputs, batch, context) {
    const config = context?.config ?? DEFAULTS;
    const rows = unpadCtcTargets(targetsOf(batch));
    const lengths = rows.map((r) => r.length);
    const width = Math.max(1, ...lengths);
    const ids = new Int32Array(rows.length * width);
    for (const [b, r] of rows.entries()) ids.set(r, b * width);
    return tf.tidy(() =>
      ctcLoss(
        outputs.logits,
        outputs.outputLengths,
        tf.tensor2d(ids, [rows.length, width], 'int32'),
        lengths,
        {
          blank: blankOf(context),
          reduction: config.reduction,
          zeroInfinity: config.zeroInfinity,
        },
      ),
    ) as tf.Scalar;
  },
  metricInputs(outputs, batch, context) {
    const vocab = ctcVocabulary(context?.labels, context?.config);
    const references = unpadCtcTargets(targetsOf(batch)).map((row) => vocab.decode(row));
    return {
      predictions: greedyTranscripts(outputs, vocab).map(textToCodes),
      targets: references.map(textToCodes),
    };
  },
  async predict(outputs, { labels, config }): Promise<Prediction[]> {
    return greedyTranscripts(outputs, ctcVocabulary(labels, config)).map((text) => ({ value: text }));
  },
};
