import { SENTIMENT_DOMAINS, type SentimentDomain, SMALL_BERT } from '@peftkit/nlp';

/** What the demo spends. Every adaptation method gets the same steps, batch size and seed. */
export interface NlpDemoBudget {
  /** Masked-LM steps of the base (only with `--pretrain`; the committed base took `BASE_RECIPE.steps`). */
  readonly pretrainSteps: number;
  /** Optimizer steps of each adaptation method on the sentences' train split. */
  readonly adaptSteps: number;
  readonly batchSize: number;
  /** Shares of each domain's sentences (per label) in train and val; the rest is test. */
  readonly trainFraction: number;
  readonly valFraction: number;
  /** At most this many sentences per domain and label (tiny budgets). */
  readonly limitPerLabel?: number | undefined;
  /** Pretrain on the first n emails of each SpamAssassin group only (tiny budgets). */
  readonly messagesPerGroup?: number | undefined;
  readonly seed: number;
}

/**
 * How the committed base (`scripts/demos/nlp/base/`) was made; `pnpm demo nlp --pretrain` repeats
 * it. A 2-layer BERT (`SMALL_BERT`: d=128, 2 heads, FFN 512) with a 4,000-piece WordPiece
 * vocabulary. The masked-LM decoder runs at every position whatever the masking rate, so it is
 * most of a step's cost: a smaller vocabulary buys more steps, and masking 30% of the tokens
 * instead of BERT's 15% doubles what each step learns from at the same cost (a first base with
 * 15% at lr 1e-3 reached 9% masked-token accuracy in 1,000 steps; this recipe passed that by
 * step 500).
 */
export const BASE_RECIPE = {
  preset: 'nlp/domain-mlm',
  steps: 1500,
  batchSize: 32,
  lr: 2e-3,
  vocabSize: 4000,
  maxLength: 64,
  mlmProbability: 0.3,
  seed: 42,
} as const;

/** The sentiment domains the demo trains on and scores, each on its own held-out sentences. */
export const DEMO_DOMAINS: readonly SentimentDomain[] = SENTIMENT_DOMAINS;

/**
 * The default budget: the whole demo with the committed base fits in about 2-3 minutes on 2 idle
 * cores. Half of each domain's sentences train (1,500 in all), a tenth validate, and 40% (1,200)
 * are the held-out test sentences. 150 steps of 16 sentences is 1.6 epochs, what the time budget
 * allows: on the val split full training had levelled off by then, LoRA and the BERT trained
 * from random init were still gaining a little.
 */
export const DEFAULT_BUDGET: NlpDemoBudget = {
  pretrainSteps: BASE_RECIPE.steps,
  adaptSteps: 150,
  batchSize: 16,
  trainFraction: 0.5,
  valFraction: 0.1,
  seed: BASE_RECIPE.seed,
};

/** The preset every adaptation starts from: sequence classification, LoRA r=8 on attn.q/attn.v. */
export const ADAPT_PRESET = 'nlp/sentiment';

/**
 * The `--config` layer of `peftkit pretrain --preset nlp/domain-mlm`: one email piece per line,
 * a WordPiece vocabulary trained on the emails, the small BERT, full training (`pretrain` forces
 * `peft: full`).
 */
export function pretrainConfig(budget: NlpDemoBudget): Record<string, unknown> {
  return {
    data: { options: { split: 'line' } },
    preprocess: {
      options: {
        maxLength: BASE_RECIPE.maxLength,
        vocabSize: BASE_RECIPE.vocabSize,
        mlmProbability: BASE_RECIPE.mlmProbability,
      },
    },
    model: { architecture: 'bert', config: { ...SMALL_BERT } },
    training: {
      batchSize: BASE_RECIPE.batchSize,
      evalBatchSize: 128,
      lr: BASE_RECIPE.lr,
      weightDecay: 0.01,
      warmupRatio: 0.06,
      schedule: 'linear',
      evalEvery: { steps: Math.max(1, Math.min(250, budget.pretrainSteps)) },
      logEvery: 50,
      metrics: ['accuracy'],
    },
  };
}

/**
 * The `--config` layer of every `peftkit train --preset nlp/sentiment` row: the demo's JSONL
 * (`text`, `label` = negative/positive), shorter batches, mean pooling; each row sets its learning rate.
 */
export function adaptConfig(budget: NlpDemoBudget): Record<string, unknown> {
  return {
    data: { options: { textField: 'text', labelField: 'label' } },
    // Batches are padded to their longest sentence: 48 tokens keeps all but ~7% of the IMDB
    // sentences whole (95% of Yelp and Amazon ones are shorter than 38) and costs a quarter less
    // per step than the preset's 64.
    preprocess: { options: { maxLength: 48 } },
    // Mean pooling: the base never trained BERT's pooler (no next-sentence objective), so the
    // [CLS] pooler is a random projection that adapters which do not reach it cannot fix.
    head: { config: { pooling: 'mean' } },
    training: {
      batchSize: budget.batchSize,
      evalBatchSize: 128,
      warmupRatio: 0.1,
      metrics: ['accuracy', 'macro_f1'],
      logEvery: 50,
    },
  };
}

/**
 * `--quick`: the whole pipeline in well under a minute (240 sentences, a few steps per
 * method; with `--pretrain` the first 40 emails of each group and a few masked-LM steps).
 */
export const QUICK_BUDGET: NlpDemoBudget = {
  pretrainSteps: 4,
  adaptSteps: 6,
  batchSize: 16,
  trainFraction: 0.5,
  valFraction: 0.2,
  limitPerLabel: 40,
  messagesPerGroup: 40,
  seed: BASE_RECIPE.seed,
};
