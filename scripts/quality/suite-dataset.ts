import type { PeftkitHost } from '@peftkit/core';

/** The plugin a dataset's preset belongs to (the suite's host loads all of them). */
export type SuiteDomain = 'nlp' | 'vision' | 'speech';

/**
 * One suite dataset, prepared on disk: the preset it exercises, the base it adapts, the config
 * layer its data needs over the preset, where its splits are, and where it came from.
 */
export interface SuiteDataset {
  readonly id: string;
  readonly domain: SuiteDomain;
  readonly preset: string;
  readonly description: string;
  readonly licence: string;
  /** The base every method starts from (`model.base`). */
  readonly base: string;
  /**
   * Settings the data needs over the preset (a grey 28 px base, the base's vocabulary, ...):
   * never the method, learning rate or schedule, which stay the preset's.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** `data.train`. */
  readonly train: string;
  /** `data.eval`; absent: the source's own eval split (an archive's `val`, a speaker split). */
  readonly val?: string | undefined;
  /** The data the table scores. */
  readonly test: string;
  /** A named split of `test` (`test` of an `.npz` archive). */
  readonly testSplit?: string | undefined;
  /**
   * Reader options the test data is read without: the speech test TSV holds unseen speakers
   * only, so the preset's `speakerSplit` (which would keep a tenth of them) is dropped there.
   */
  readonly testWithoutOptions?: readonly string[];
  /** Metrics recorded per run besides macro F1 and accuracy (e.g. AUROC of a binary finding). */
  readonly extraMetrics?: readonly string[];
  /** Examples per label and split (the test counts give the majority-class baseline). */
  readonly counts: Readonly<Record<'train' | 'val' | 'test', Readonly<Record<string, number>>>>;
}

/** What preparing a dataset may use. */
export interface PrepareContext {
  /** The dataset's own folder (its files). */
  readonly dir: string;
  /** Shared cache across datasets and invocations (pretrained bases, synthesised audio). */
  readonly cacheDir: string;
  readonly seed: number;
  /** A few examples and a few pretraining steps: the CI test of the suite's code path. */
  readonly quick: boolean;
  readonly host: PeftkitHost;
  readonly log: (line: string) => void;
}

/** A dataset the suite knows how to prepare. */
export interface DatasetSpec {
  readonly id: string;
  readonly domain: SuiteDomain;
  readonly prepare: (c: PrepareContext) => Promise<SuiteDataset>;
}
