import {
  type AnyDataset,
  type FitContext,
  isMapDataset,
  type JsonValue,
  type Preprocessor,
  type PreprocessorInstance,
  UserError,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { TextPairExample } from '../data/text-pair-example.js';
import { SEQ2SEQ_IGNORE_INDEX } from '../models/seq2seq/seq2seq-loss.js';
import { fitTokenizer } from './fit-tokenizer.js';
import type { TextBatch } from './text-batch.js';
import type { TextTokenizer } from './tokenizer.js';
import {
  copyMarianFiles,
  marianTargetTokenizer,
  saveTokenizer,
  tokenizerFromState,
  tokenizerState,
} from './tokenizer-files.js';

export const seq2seqPreprocessorOptions = z.strictObject({
  /** A Hugging Face tokenizer directory (tokenizer.json, ...); default: the base's, else trained. */
  tokenizer: z.string().min(1).optional(),
  /** Without `tokenizer` or a base: train a WordPiece vocabulary of this size on both sides. */
  vocabSize: z.number().int().min(16).default(8000),
  minFrequency: z.number().int().positive().default(2),
  lowercase: z.boolean().default(true),
  /** Source tokens per example, special tokens included; longer sources are truncated. */
  maxSourceLength: z.number().int().min(2).default(128),
  /** Target tokens per example (the labels), special tokens included. */
  maxTargetLength: z.number().int().min(2).default(64),
  /**
   * Text put in front of every source (T5's task prefix, HF `source_prefix`). `{sourceLang}` and
   * `{targetLang}` are replaced by those options: `translate {sourceLang} to {targetLang}: `.
   */
  sourcePrefix: z.string().default(''),
  /** Language names of a translation pair (`English`, `German`): fill `sourcePrefix`, recorded with the run. */
  sourceLang: z.string().min(1).optional(),
  targetLang: z.string().min(1).optional(),
});

export type Seq2SeqPreprocessorOptions = z.output<typeof seq2seqPreprocessorOptions>;

/** One encoded pair: source ids and, when the pair has a target, label ids (special tokens included). */
export interface EncodedPair {
  readonly source: readonly number[];
  readonly labels?: readonly number[];
}

/** `sourcePrefix` with its language placeholders filled; a missing language is a user error. */
export function resolveSourcePrefix(o: Seq2SeqPreprocessorOptions): string {
  return o.sourcePrefix.replace(/\{(sourceLang|targetLang)\}/g, (_, key: 'sourceLang' | 'targetLang') => {
    const lang = o[key];
    if (lang === undefined) {
      throw new UserError(
        `preprocess.options.sourcePrefix '${o.sourcePrefix}' names {${key}}: set preprocess.options.${key} (e.g. English), or sourcePrefix: '' for models without a task prefix (BART, Marian)`,
      );
    }
    return lang;
  });
}

async function* pairTexts(ds: AnyDataset<TextPairExample>): AsyncGenerator<string> {
  if (isMapDataset(ds)) {
    for (let i = 0; i < ds.length; i++) {
      const e = await ds.get(i);
      yield e.source;
      yield e.target;
    }
  } else {
    for await (const e of ds) {
      yield e.source;
      yield e.target;
    }
  }
}

/**
 * The `nlp/seq2seq-tokenizer` instance: both sides of a pair tokenised with the model's tokenizer
 * (its template adds the family's special tokens: T5 `x </s>`, BART `<s> x </s>`), the source
 * behind `sourcePrefix`, truncated to `maxSourceLength` / `maxTargetLength`, padded per batch
 * (sources with the pad id, labels with -100, as HF's `DataCollatorForSeq2Seq`).
 */
export class Seq2SeqPreprocessor implements PreprocessorInstance<TextPairExample, EncodedPair, TextBatch> {
  private tok: TextTokenizer | undefined;
  private readonly prefix: string;
  /** The directory the tokenizer was read from in `fit` (a base or `tokenizer`), if any. */
  private tokenizerDir: string | undefined;
  /** Marian's labels tokeniser (`target.spm`, the same `vocab.json` ids); else the one tokenizer. */
  private targetTok: TextTokenizer | undefined;

  constructor(private readonly options: Seq2SeqPreprocessorOptions) {
    this.prefix = resolveSourcePrefix(options);
  }

  get tokenizer(): TextTokenizer {
    if (!this.tok) throw new Error('nlp/seq2seq-tokenizer: no tokenizer yet (call fit or loadState first)');
    return this.tok;
  }

  /** Uses `tokenizer` directly (programmatic use, tests). */
  setTokenizer(tok: TextTokenizer): void {
    this.tok = tok;
  }

  async fit(train: AnyDataset<TextPairExample>, context: FitContext): Promise<void> {
    if (context.restored && this.tok) return;
    this.tok = await fitTokenizer(this.options, () => pairTexts(train), context);
    this.tokenizerDir = this.options.tokenizer ?? context.baseDir;
    // As MarianTokenizer's text_target: labels are segmented by the target language's model.
    this.targetTok = this.tokenizerDir ? await marianTargetTokenizer(this.tokenizerDir) : undefined;
  }

  private sourceIds(source: string): number[] {
    return [...this.tokenizer.encode(this.prefix + source, { maxLength: this.options.maxSourceLength }).ids];
  }

  lengthOf(example: TextPairExample): number {
    return this.sourceIds(example.source).length;
  }

  encode(example: TextPairExample): EncodedPair {
    const source = this.sourceIds(example.source);
    if (!example.target) return { source };
    const labels = (this.targetTok ?? this.tokenizer).encode(example.target, {
      maxLength: this.options.maxTargetLength,
    }).ids;
    return { source, labels: [...labels] };
  }

  collate(encoded: EncodedPair[]): TextBatch {
    const tok = this.tokenizer;
    const n = encoded.length;
    const s = Math.max(1, ...encoded.map((e) => e.source.length));
    const ids = new Int32Array(n * s).fill(tok.padId);
    const mask = new Int32Array(n * s);
    encoded.forEach((e, i) => {
      ids.set(e.source, i * s);
      mask.fill(1, i * s, i * s + e.source.length);
    });
    let targets: tf.Tensor | undefined;
    if (encoded.every((e) => e.labels)) {
      const t = Math.max(1, ...encoded.map((e) => (e.labels as readonly number[]).length));
      const labels = new Int32Array(n * t).fill(SEQ2SEQ_IGNORE_INDEX);
      encoded.forEach((e, i) => {
        labels.set(e.labels as readonly number[], i * t);
      });
      targets = tf.tensor2d(labels, [n, t], 'int32');
    }
    return {
      inputs: [tf.tensor2d(ids, [n, s], 'int32'), { attentionMask: tf.tensor2d(mask, [n, s], 'int32') }],
      ...(targets ? { targets } : {}),
      size: n,
      tokenizer: tok,
      rows: encoded.map((e) => [...e.source]),
    };
  }

  /** A source sentence from the command line (`peftkit predict "the house is small"`). */
  parseInput(input: string): TextPairExample {
    return { source: input, target: '' };
  }

  /**
   * A model built fresh for this tokenizer: its vocabulary, and the tokenizer's pad and end ids as
   * the model's pad / end / decoder start ids (T5's convention: decoding starts at pad).
   */
  modelConfig(): Readonly<Record<string, unknown>> {
    const tok = this.tokenizer;
    const eos = tok.maybeSpecialId('eos') ?? tok.maybeSpecialId('sep');
    return {
      vocab_size: tok.vocabSize,
      pad_token_id: tok.padId,
      ...(eos !== undefined ? { eos_token_id: eos } : {}),
      decoder_start_token_id: tok.padId,
    };
  }

  async saveFiles(dir: string): Promise<void> {
    await saveTokenizer(dir, this.tokenizer);
    // transformers has no fast Marian tokenizer: its SentencePiece files must travel too.
    if (this.tokenizerDir) await copyMarianFiles(this.tokenizerDir, dir);
  }

  saveState(): JsonValue {
    return {
      tokenizer: tokenizerState(this.tokenizer),
      ...(this.targetTok ? { targetTokenizer: tokenizerState(this.targetTok) } : {}),
    } as unknown as JsonValue;
  }

  loadState(state: JsonValue): void {
    const s = state as { tokenizer?: unknown; targetTokenizer?: unknown } | null;
    this.tok = tokenizerFromState(s?.tokenizer, 'nlp/seq2seq-tokenizer state');
    this.targetTok =
      s?.targetTokenizer === undefined
        ? undefined
        : tokenizerFromState(s.targetTokenizer, 'nlp/seq2seq-tokenizer state (targetTokenizer)');
  }
}

/** `nlp/seq2seq-tokenizer`: source/target pairs for encoder-decoders (translation, summarisation). */
export const seq2seqPreprocessor: Preprocessor<
  TextPairExample,
  EncodedPair,
  TextBatch,
  Seq2SeqPreprocessorOptions
> = {
  id: 'nlp/seq2seq-tokenizer',
  description:
    'source/target pairs for encoder-decoders: the model tokenizer on both sides, a task prefix, labels padded with -100',
  optionsSchema: seq2seqPreprocessorOptions,
  create: (options) => new Seq2SeqPreprocessor(options),
};
