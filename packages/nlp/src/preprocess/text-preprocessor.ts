import {
  type AnyDataset,
  type EncodeContext,
  type FitContext,
  isMapDataset,
  type JsonValue,
  type Preprocessor,
  type PreprocessorInstance,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { TextExample } from '../data/text-example.js';
import { type Encoding, padEncoding, stackEncodings } from './encoding.js';
import { fitTokenizer } from './fit-tokenizer.js';
import { maskTokens } from './mlm-masking.js';
import type { TextBatch } from './text-batch.js';
import type { TextTokenizer } from './tokenizer.js';
import { saveTokenizer, tokenizerFromState, tokenizerState } from './tokenizer-files.js';

export const OBJECTIVES = ['auto', 'masked-lm', 'causal-lm'] as const;

export const textPreprocessorOptions = z.strictObject({
  /** A Hugging Face tokenizer directory (tokenizer.json, vocab.txt, or vocab.json + merges.txt). */
  tokenizer: z.string().min(1).optional(),
  /** Without `tokenizer` or a base's saved one: train a WordPiece vocabulary of this size. */
  vocabSize: z.number().int().min(16).default(8000),
  /** Vocabulary training: pairs seen fewer times are not merged. */
  minFrequency: z.number().int().positive().default(2),
  /** Vocabulary training: lower-case and strip accents (BERT uncased). */
  lowercase: z.boolean().default(true),
  /** Tokens per example, special tokens included; longer texts are truncated. */
  maxLength: z.number().int().min(4).default(128),
  /**
   * Targets of unlabelled text: `masked-lm` (BERT) or `causal-lm` (GPT-2); `auto` picks by
   * tokenizer family. Labelled examples always give class / value / tag targets.
   */
  objective: z.enum(OBJECTIVES).default('auto'),
  /** Masked-LM: share of tokens selected for prediction. */
  mlmProbability: z.number().gt(0).lt(1).default(0.15),
});

export type TextPreprocessorOptions = z.output<typeof textPreprocessorOptions>;

/** One encoded example: the tokenizer's encoding plus its target. */
export interface EncodedText {
  readonly encoding: Encoding;
  readonly label?: number;
  readonly value?: number;
  /** Per-token targets (token classification): tag of a word's first piece, -100 elsewhere. */
  readonly tokenTargets?: number[];
}

async function* textsOf(ds: AnyDataset<TextExample>): AsyncGenerator<string> {
  if (isMapDataset(ds)) {
    for (let i = 0; i < ds.length; i++) {
      const e = await ds.get(i);
      yield e.text;
      if (e.pair) yield e.pair;
    }
  } else {
    for await (const e of ds) {
      yield e.text;
      if (e.pair) yield e.pair;
    }
  }
}

/**
 * The nlp preprocessor's per-run instance: a tokenizer (loaded from a directory, restored from
 * the base checkpoint's `preprocessor.json` or tokenizer files, or trained on the training texts), encoding with
 * truncation, batching with padding, and targets for every nlp head. The state saved next to the
 * adapter is the whole tokenizer (HF `tokenizer.json` + `tokenizer_config.json` content).
 */
export class TextPreprocessor implements PreprocessorInstance<TextExample, EncodedText, TextBatch> {
  private tok: TextTokenizer | undefined;

  /**
   * `context.labels`: the run's label set. A run with labels (classification, tagging) reads an
   * unlabelled example as a prediction query, never as language-model text to corrupt.
   */
  constructor(
    private readonly options: TextPreprocessorOptions,
    private readonly context: { readonly labels?: readonly string[] | undefined } = {},
  ) {}

  get tokenizer(): TextTokenizer {
    if (!this.tok) throw new Error('nlp/tokenizer: no tokenizer yet (call fit or loadState first)');
    return this.tok;
  }

  /** Uses `tokenizer` directly (programmatic use, tests). */
  setTokenizer(tok: TextTokenizer): void {
    this.tok = tok;
  }

  /**
   * Picks the tokenizer, first match wins: the one restored from the base's `preprocessor.json`,
   * `options.tokenizer`, the tokenizer files in the base checkpoint directory (a BERT from the
   * Hugging Face hub), else a WordPiece vocabulary trained on the texts. A base's embedding rows
   * are indexed by its vocabulary, so a vocabulary is never trained for a base checkpoint.
   */
  async fit(train: AnyDataset<TextExample>, context: FitContext): Promise<void> {
    if (context.restored && this.tok) return;
    this.tok = await fitTokenizer(this.options, () => textsOf(train), context);
  }

  private objective(): 'masked-lm' | 'causal-lm' {
    if (this.options.objective !== 'auto') return this.options.objective;
    return this.tokenizer.kind === 'bpe' ? 'causal-lm' : 'masked-lm';
  }

  private encoding(example: TextExample): Encoding {
    return this.tokenizer.encode(example.words ?? example.text, {
      maxLength: this.options.maxLength,
      ...(example.pair !== undefined ? { pair: example.pair } : {}),
    });
  }

  /**
   * Tokens of the example after truncation, special tokens included: what it adds to a batch's
   * padded length (`data.sampling: group-by-length`).
   */
  lengthOf(example: TextExample): number {
    return this.encoding(example).ids.length;
  }

  encode(example: TextExample): EncodedText {
    const encoding = this.encoding(example);
    if (example.tags) {
      let previous: number | null = null;
      const tokenTargets = encoding.wordIds.map((w) => {
        const first = w !== null && w !== previous;
        previous = w;
        return first ? (example.tags?.[w as number] ?? -100) : -100;
      });
      return { encoding, tokenTargets };
    }
    return {
      encoding,
      ...(example.label !== undefined ? { label: example.label } : {}),
      ...(example.value !== undefined ? { value: example.value } : {}),
    };
  }

  collate(encoded: EncodedText[], context: EncodeContext): TextBatch {
    const tok = this.tokenizer;
    const length = Math.max(1, ...encoded.map((e) => e.encoding.ids.length));
    const padded = encoded.map((e) => padEncoding(e.encoding, length, tok.padId, tok.paddingSide));
    const rows = encoded.map((e) => [...e.encoding.ids]);
    const n = encoded.length;
    const shape: [number, number] = [n, length];
    let targets: tf.Tensor | undefined;
    let ids = padded.map((e) => [...e.ids]);
    const pad = (xs: number[], fill: number) =>
      tok.paddingSide === 'right'
        ? [...xs, ...new Array<number>(length - xs.length).fill(fill)]
        : [...new Array<number>(length - xs.length).fill(fill), ...xs];
    if (encoded.every((e) => e.tokenTargets)) {
      targets = tf.tensor2d(
        encoded.flatMap((e) => pad(e.tokenTargets as number[], -100)),
        shape,
        'int32',
      );
    } else if (encoded.every((e) => e.label !== undefined)) {
      targets = tf.tensor1d(
        encoded.map((e) => e.label as number),
        'int32',
      );
    } else if (encoded.every((e) => e.value !== undefined)) {
      targets = tf.tensor1d(
        encoded.map((e) => e.value as number),
        'float32',
      );
    } else if (
      this.context.labels === undefined &&
      encoded.every((e) => e.label === undefined && e.value === undefined && !e.tokenTargets)
    ) {
      if (this.objective() === 'causal-lm') {
        targets = tf.tensor2d(
          padded.flatMap((e) => e.ids.map((id, t) => (e.attentionMask[t] ? id : -100))),
          shape,
          'int32',
        );
      } else {
        const maskId = tok.specialId('mask');
        const corrupted = padded.map((e) => {
          const row = [...e.ids];
          // A text that already has [MASK] tokens is a fill-mask query: keep it as written.
          if (row.includes(maskId)) return { row, t: row.map(() => -100) };
          const t = maskTokens(
            row,
            e.specialTokensMask.map((s) => s === 0),
            {
              probability: this.options.mlmProbability,
              maskId,
              vocabSize: tok.vocabSize,
            },
            context.rng,
          );
          return { row, t };
        });
        ids = corrupted.map((c) => c.row);
        targets = tf.tensor2d(
          corrupted.flatMap((c) => c.t),
          shape,
          'int32',
        );
      }
    }
    const stacked = stackEncodings(padded);
    const wordStarts = encoded.every((e) => e.tokenTargets)
      ? tf.tensor2d(
          encoded.flatMap((e) => pad(e.tokenTargets?.map((t) => (t === -100 ? 0 : 1)) ?? [], 0)),
          shape,
          'int32',
        )
      : undefined;
    return {
      inputs: [
        tf.tensor2d(ids.flat(), shape, 'int32'),
        {
          attentionMask: tf.tensor2d(stacked.attentionMask, shape, 'int32'),
          tokenTypeIds: tf.tensor2d(stacked.tokenTypeIds, shape, 'int32'),
          ...(wordStarts ? { wordStarts } : {}),
        },
      ],
      ...(targets ? { targets } : {}),
      size: n,
      tokenizer: tok,
      rows,
    };
  }

  /** A sentence from the command line (`peftkit predict "great movie"`). */
  parseInput(input: string): TextExample {
    return { text: input };
  }

  modelConfig(): Readonly<Record<string, unknown>> {
    return { vocab_size: this.tokenizer.vocabSize };
  }

  /** The tokenizer as a Hugging Face tokenizer directory, next to the adapter or checkpoint. */
  async saveFiles(dir: string): Promise<void> {
    await saveTokenizer(dir, this.tokenizer);
  }

  saveState(): JsonValue {
    return { tokenizer: tokenizerState(this.tokenizer) } as unknown as JsonValue;
  }

  loadState(state: JsonValue): void {
    const s = state as { tokenizer?: unknown } | null;
    this.tok = tokenizerFromState(s?.tokenizer, 'nlp/tokenizer state');
  }
}

/**
 * `nlp/tokenizer`: tokenises text for every nlp head (classification, regression, token
 * classification, masked and causal LM) with a WordPiece or byte-level BPE tokenizer.
 */
export const textPreprocessor: Preprocessor<TextExample, EncodedText, TextBatch, TextPreprocessorOptions> = {
  id: 'nlp/tokenizer',
  description:
    'WordPiece / byte-level BPE tokenisation (HF tokenizer files, or a vocabulary trained on the data)',
  optionsSchema: textPreprocessorOptions,
  create: (options, context) => new TextPreprocessor(options, { labels: context.labels }),
};
