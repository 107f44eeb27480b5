import { SMALL_T5 } from '@peftkit/nlp';

/** What the demo spends. Every adaptation row gets the same steps, batch size and seed. */
export interface TranslationDemoBudget {
  /** Full-training steps of the base on the measurements. */
  readonly pretrainSteps: number;
  /** Optimizer steps of each adaptation row on the date phrases' train split. */
  readonly adaptSteps: number;
  readonly batchSize: number;
  /** Shares of the date phrases in train and val; the rest is test (measurements: `UNIT_SPLIT`). */
  readonly trainFraction: number;
  readonly valFraction: number;
  /** At most this many pairs per domain (tiny budgets). */
  readonly limit?: number | undefined;
  readonly seed: number;
}

/** The preset every step starts from: T5, task prefix from the language pair, BLEU + chrF. */
export const TRANSLATION_PRESET = 'nlp/translation';

/** How the base's measurements are split: most train, a few validate, the rest test. */
export const UNIT_SPLIT = { trainFraction: 0.8, valFraction: 0.05 } as const;

/** The base: `SMALL_T5` (d=128, 2+2 layers, 4 heads, FFN 512), trained whole at this rate. */
export const BASE_LR = 3e-3;

/**
 * The `--config` layer of every step: the demo's JSONL pairs, English -> German in T5's task
 * prefix, a cased WordPiece vocabulary trained on the base's pairs (German nouns keep their
 * capitals, which BLEU and chrF count), short phrases, greedy decoding (beam search costs
 * several times the evaluation time and changes little on phrases this short).
 */
export function stepConfig(budget: TranslationDemoBudget): Record<string, unknown> {
  return {
    data: { reader: 'nlp/jsonl-pairs', options: { sourceField: 'source', targetField: 'target' } },
    preprocess: {
      options: {
        sourceLang: 'English',
        targetLang: 'German',
        maxSourceLength: 32,
        maxTargetLength: 32,
        vocabSize: 400,
        minFrequency: 2,
        lowercase: false,
      },
    },
    // An untied LM head (T5 v1.1's layout). Chosen when peftkit drew every T5 weight with one
    // 0.05 std: T5 v1.0's tied head scales its logits by d_model^-0.5, which then started them
    // near zero, and such a base learned only the target's word frequencies in 600 steps
    // (held-out chrF 7); untied, the training loss after 100 steps was 2.9, not 4.1. T5 now
    // follows HF's per-module init (`shared` std 1); the tied layout was not measured again.
    model: { architecture: 't5', config: { ...SMALL_T5, tie_word_embeddings: false } },
    head: { config: { generation: { numBeams: 1, maxNewTokens: 24 } } },
    training: {
      batchSize: budget.batchSize,
      evalBatchSize: 64,
      weightDecay: 0.01,
      warmupRatio: 0.06,
      schedule: 'linear',
      metrics: ['bleu', 'chrf'],
      logEvery: 50,
    },
  };
}

/**
 * The default budget, sized for the whole demo in under 5 minutes on 2 idle cores (one process:
 * about 4.5 CPU-minutes): the base sees its ~1,450 training measurements for about 13 epochs
 * (600 steps left it at held-out chrF 13, still learning), each row sees the 132 training date
 * phrases for about 15 epochs.
 */
export const DEFAULT_BUDGET: TranslationDemoBudget = {
  pretrainSteps: 1200,
  adaptSteps: 120,
  batchSize: 16,
  trainFraction: 0.5,
  valFraction: 0.1,
  seed: 42,
};

/** `--quick`: the whole pipeline in well under a minute; the numbers mean nothing. */
export const QUICK_BUDGET: TranslationDemoBudget = {
  pretrainSteps: 6,
  adaptSteps: 4,
  batchSize: 8,
  trainFraction: 0.5,
  valFraction: 0.2,
  limit: 40,
  seed: 42,
};
