import * as path from 'node:path';
import type { DemoAccent } from '../demos/speech/accent-corpus.js';
import { COMMITTED_BASE } from '../demos/speech/base-checkpoint.js';
import { cachedAccentCorpus } from '../demos/speech/corpus-cache.js';
import { cachedKeywordCorpus, type KeywordCorpusPlan } from './keyword-corpus.js';
import type { DatasetSpec, PrepareContext, SuiteDataset } from './suite-dataset.js';

const LICENCE =
  'synthesised by this repository with eSpeak NG (npm espeak-ng, GPL-3.0-or-later, a dev dependency of the scripts only; synthetic speech is not a derivative of the program)';

/**
 * The English voices of eSpeak NG that the speech demo never uses (it pretrains on `en-gb` and
 * adapts to `en-gb-scotland`, `en-us`, `en-029`), named as Common Voice would name the accent.
 */
export const UNSEEN_ACCENTS: readonly DemoAccent[] = [
  { accent: 'Received Pronunciation', voice: 'en-gb-x-rp' },
  { accent: 'Lancashire English', voice: 'en-gb-x-gbclan' },
  { accent: 'West Midlands English', voice: 'en-gb-x-gbcwmd' },
  { accent: 'New York City English', voice: 'en-us-nyc' },
];

/**
 * Speakers per accent: `train` holds the preset's own speaker-disjoint eval speakers too
 * (`speakerSplit`, a tenth of the clips: one speaker of six clips per accent), `test` is the
 * table's: 168 clips in all.
 */
const FULL = { accents: UNSEEN_ACCENTS, speakers: { train: 5, dev: 0, test: 2 }, clipsPerSpeaker: 6 };
/**
 * Quick mode: two accents, one clip per speaker, two training speakers per accent of which the
 * speaker split holds one out (`evalFraction` 0.5 instead of the preset's 0.1, which needs five
 * clips per accent to hold out any): synthesis is the slow part (~0.3-2 s a clip).
 */
const QUICK = {
  accents: UNSEEN_ACCENTS.slice(0, 2),
  speakers: { train: 2, dev: 0, test: 2 },
  clipsPerSpeaker: 1,
};
const QUICK_CONFIG = { data: { options: { speakerSplit: { evalFraction: 0.5 } } } };

/**
 * `unseen-accents` (`speech/accent-id`): which of four English accents the speech demo never
 * uses is spoken, on the committed speech demo base (a CTC recogniser pretrained on synthetic
 * `en-gb`; its encoder is reused, the classifier is new). Every speaker is an eSpeak NG voice
 * with its own pitch and rate, 2-4 words from the demo's word list, white noise at 15-35 dB
 * SNR; test speakers are in no training or eval split.
 */
async function unseenAccents(c: PrepareContext): Promise<SuiteDataset> {
  const plan = c.quick ? QUICK : FULL;
  const corpus = await cachedAccentCorpus(
    c.cacheDir,
    c.quick ? 'unseen-accents-quick' : 'unseen-accents',
    { ...plan, noiseSnrDb: [15, 35], seed: c.seed + 100 },
    (line) => c.log(line.replace(/^demo:/, 'quality:')),
  );
  const byAccent = (split: string) => corpus.counts[split] ?? {};
  return {
    id: 'unseen-accents',
    domain: 'speech',
    preset: 'speech/accent-id',
    description: `which accent: ${plan.accents.map((a) => a.accent).join(', ')} (eSpeak NG voices the demo never uses), ${plan.accents.length} classes, balanced, unseen test speakers`,
    licence: LICENCE,
    base: COMMITTED_BASE,
    ...(c.quick ? { config: QUICK_CONFIG } : {}),
    train: path.join(corpus.dir, 'train.tsv'),
    test: path.join(corpus.dir, 'test.tsv'),
    testWithoutOptions: ['speakerSplit'],
    // val: the preset's speaker split of train (one speaker per accent), decided at read time.
    counts: { train: byAccent('train'), val: {}, test: byAccent('test') },
  };
}

/** Ten of Speech Commands' core words (Warden 2018), said by the unseen voices. */
const KEYWORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];

const KEYWORDS_FULL: Omit<KeywordCorpusPlan, 'seed'> = {
  keywords: KEYWORDS,
  voices: UNSEEN_ACCENTS.map((a) => a.voice),
  speakers: { train: 8, validation: 2, test: 4 },
  repeats: 1,
  noiseSnrDb: [10, 30],
};
/** Quick mode: three keywords, one speaker per split. */
const KEYWORDS_QUICK: Omit<KeywordCorpusPlan, 'seed'> = {
  ...KEYWORDS_FULL,
  keywords: KEYWORDS.slice(0, 3),
  speakers: { train: 1, validation: 1, test: 1 },
};

/**
 * `unseen-keywords` (`speech/keyword-spotting`): which of ten Speech Commands words is said, by
 * speakers of the four eSpeak NG voices the speech demo never uses, laid out as Speech Commands
 * (`validation_list.txt`, `testing_list.txt`: validation and test speakers are in no training
 * clip), on the committed speech demo base. One word per clip, white noise at 10-30 dB SNR.
 */
async function unseenKeywords(c: PrepareContext): Promise<SuiteDataset> {
  const plan = { ...(c.quick ? KEYWORDS_QUICK : KEYWORDS_FULL), seed: c.seed + 200 };
  const corpus = await cachedKeywordCorpus(
    c.cacheDir,
    c.quick ? 'unseen-keywords-quick' : 'unseen-keywords',
    plan,
    c.log,
  );
  return {
    id: 'unseen-keywords',
    domain: 'speech',
    preset: 'speech/keyword-spotting',
    description: `which word: ${plan.keywords.join(', ')}, said by the eSpeak NG voices the speech demo never uses; ${plan.keywords.length} classes, balanced, unseen test speakers`,
    licence: LICENCE,
    base: COMMITTED_BASE,
    train: corpus.dir,
    test: corpus.dir,
    testSplit: 'test',
    counts: { train: corpus.counts.train, val: corpus.counts.validation, test: corpus.counts.test },
  };
}

/** The speech datasets: the committed speech demo base, accents and speakers it never heard. */
export const SPEECH_DATASETS: readonly DatasetSpec[] = [
  { id: 'unseen-accents', domain: 'speech', prepare: unseenAccents },
  { id: 'unseen-keywords', domain: 'speech', prepare: unseenKeywords },
];
