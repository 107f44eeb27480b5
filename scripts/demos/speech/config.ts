import { DEMO_ACCENTS, type DemoAccent, type SplitSpeakers } from './accent-corpus.js';

const accent = (name: string): DemoAccent => {
  const found = DEMO_ACCENTS.find((a) => a.accent === name);
  if (!found) throw new Error(`no demo accent '${name}'`);
  return found;
};

/** The accent the base is pretrained on. */
export const SOURCE_ACCENT: DemoAccent = accent('England English');

/**
 * The accent the rows adapt to. The committed base's zero-shot CER on 24 held-out clips per accent
 * was 6.8% on its own England English and 26.4% Scottish, 27.4% Caribbean, 31.1% United States
 * English: every other voice leaves room to adapt; Scottish keeps the story in the British Isles.
 */
export const TARGET_ACCENT: DemoAccent = accent('Scottish English');

/** One synthetic corpus: speakers per split, clips per speaker, noise and seed. */
export interface CorpusPlan {
  readonly speakers: SplitSpeakers;
  readonly clipsPerSpeaker: number;
  readonly noiseSnrDb: readonly [number, number];
  readonly seed: number;
}

/** What the demo spends. Every adaptation row gets the same data, steps, batch and seed. */
export interface SpeechDemoBudget {
  /** The target accent's corpus: train adapts, dev is scored while training, test is the table. */
  readonly target: CorpusPlan;
  /** Held-out source-accent speakers: what the adapted models forgot (test split only). */
  readonly sourceTest: CorpusPlan;
  /** Optimizer steps of each adaptation row. */
  readonly adaptSteps: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Only with `--pretrain`: the source corpus and steps of the base. */
  readonly pretrain: { readonly corpus: CorpusPlan; readonly steps: number };
}

/** The base's shape: a 3-layer conv-transformer of width 96 on 40 fbank bins (~0.38 M weights). */
export const BASE_MODEL = {
  num_mel_bins: 40,
  d_model: 96,
  encoder_layers: 3,
  encoder_attention_heads: 4,
  encoder_ffn_dim: 384,
  dropout: 0.1,
} as const;

/** How the committed base (`scripts/demos/speech/base/`) was made; `--pretrain` repeats it. */
export const BASE_RECIPE = {
  preset: 'speech/accent-adaptation',
  steps: 800,
  batchSize: 16,
  lr: 2e-3,
  seed: 42,
  corpus: {
    speakers: { train: 36, dev: 2, test: 0 },
    clipsPerSpeaker: 12,
    noiseSnrDb: [15, 35],
    seed: 11,
  } satisfies CorpusPlan,
} as const;

/**
 * The default budget: 60 target-accent clips (6 speakers) to adapt on, 10 dev clips, 20 test clips
 * (2 other speakers) of the target and 24 of the source accent to score; 80 steps of batch 8
 * (~11 epochs) per row.
 */
export const DEFAULT_BUDGET: SpeechDemoBudget = {
  target: { speakers: { train: 6, dev: 1, test: 2 }, clipsPerSpeaker: 10, noiseSnrDb: [15, 35], seed: 21 },
  sourceTest: {
    speakers: { train: 0, dev: 0, test: 2 },
    clipsPerSpeaker: 12,
    noiseSnrDb: [15, 35],
    seed: 22,
  },
  adaptSteps: 80,
  batchSize: 8,
  seed: BASE_RECIPE.seed,
  pretrain: { corpus: BASE_RECIPE.corpus, steps: BASE_RECIPE.steps },
};

/** `--quick`: the whole pipeline in well under a minute; the numbers mean nothing. */
export const QUICK_BUDGET: SpeechDemoBudget = {
  target: { speakers: { train: 1, dev: 1, test: 1 }, clipsPerSpeaker: 4, noiseSnrDb: [15, 35], seed: 21 },
  sourceTest: { speakers: { train: 0, dev: 0, test: 1 }, clipsPerSpeaker: 4, noiseSnrDb: [15, 35], seed: 22 },
  adaptSteps: 3,
  batchSize: 4,
  seed: BASE_RECIPE.seed,
  pretrain: {
    corpus: { speakers: { train: 2, dev: 1, test: 0 }, clipsPerSpeaker: 4, noiseSnrDb: [15, 35], seed: 11 },
    steps: 4,
  },
};

/**
 * The `--config` layer of `peftkit pretrain --preset speech/accent-adaptation`: the small
 * conv-transformer, trained whole (`pretrain` forces `peft: full`) on the source accent.
 */
export function pretrainConfig(steps: number): Record<string, unknown> {
  return {
    model: { architecture: 'speech/conv-transformer', config: { ...BASE_MODEL } },
    training: {
      batchSize: BASE_RECIPE.batchSize,
      evalBatchSize: 32,
      lr: BASE_RECIPE.lr,
      weightDecay: 0.01,
      warmupRatio: 0.1,
      metrics: ['cer', 'wer'],
      logEvery: 20,
      evalEvery: { steps: Math.max(1, Math.min(100, steps)) },
    },
  };
}

/**
 * The `--config` layer of every adaptation row: the base's vocabulary (so the CTC head's classes
 * are the base's), the demo's batch, scored on the target dev speakers at the end.
 */
export function adaptConfig(budget: SpeechDemoBudget, vocabulary: string): Record<string, unknown> {
  return {
    data: { options: { vocabulary } },
    training: {
      batchSize: budget.batchSize,
      evalBatchSize: 32,
      warmupRatio: 0.1,
      metrics: ['cer', 'wer'],
      logEvery: 20,
      evalEvery: { steps: budget.adaptSteps },
    },
  };
}
