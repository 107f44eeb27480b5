import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import { type SentimentDomain, sentimentFixture } from '@peftkit/nlp';

export interface SentenceDataOptions {
  /** Directory for `train.jsonl`, `val.jsonl` and `test-<domain>.jsonl`. */
  readonly dir: string;
  readonly domains: readonly SentimentDomain[];
  /** Shares of each domain's sentences (per label) in train and val; the rest is test. */
  readonly trainFraction: number;
  readonly valFraction: number;
  readonly seed: number;
  /** Use at most this many sentences per domain and label (tiny budgets). */
  readonly limitPerLabel?: number | undefined;
}

export interface DomainSplit {
  readonly domain: SentimentDomain;
  readonly train: number;
  readonly val: number;
  readonly test: number;
  /** Held-out sentences of this domain, JSONL. */
  readonly testFile: string;
}

export interface SentenceData {
  readonly trainFile: string;
  readonly valFile: string;
  readonly domains: readonly DomainSplit[];
}

/** The JSONL record the demo writes: readable labels, and the domain for anyone slicing later. */
interface SentenceRecord {
  readonly text: string;
  readonly label: 'negative' | 'positive';
  readonly domain: SentimentDomain;
}

async function readDomain(domain: SentimentDomain): Promise<SentenceRecord[]> {
  const file = sentimentFixture(domain);
  if (!file) throw new Error(`the 'sentiment' package is not installed (needed for the ${domain} sentences)`);
  const rows = JSON.parse(await fs.readFile(file, 'utf8')) as { text?: unknown; class?: unknown }[];
  // The fixtures end with an empty record; anything else unexpected is skipped the same way.
  return rows.flatMap((r) =>
    typeof r.text === 'string' && r.text.trim() && (r.class === 0 || r.class === 1)
      ? [{ text: r.text.trim(), label: r.class === 1 ? 'positive' : 'negative', domain } as const]
      : [],
  );
}

const jsonl = (records: readonly SentenceRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * Writes the UCI Sentiment Labelled Sentences (Kotzias et al. 2015, CC BY 4.0; shipped as test
 * fixtures of the `sentiment` npm package) of `domains` as JSONL: one train and one val file
 * with every domain mixed, and one test file per domain, each split stratified by domain and
 * label with a seeded shuffle.
 */
export async function writeSentenceData(o: SentenceDataOptions): Promise<SentenceData> {
  const rng = new Rng(o.seed);
  const train: SentenceRecord[] = [];
  const val: SentenceRecord[] = [];
  const domains: DomainSplit[] = [];
  await fs.mkdir(o.dir, { recursive: true });
  for (const domain of o.domains) {
    const counts = { train: 0, val: 0, test: [] as SentenceRecord[] };
    const records = await readDomain(domain);
    for (const label of ['negative', 'positive'] as const) {
      const pool = rng.shuffle(records.filter((r) => r.label === label)).slice(0, o.limitPerLabel);
      const nTrain = Math.round(pool.length * o.trainFraction);
      const nVal = Math.round(pool.length * o.valFraction);
      train.push(...pool.slice(0, nTrain));
      val.push(...pool.slice(nTrain, nTrain + nVal));
      counts.test.push(...pool.slice(nTrain + nVal));
      counts.train += nTrain;
      counts.val += nVal;
    }
    const testFile = path.join(o.dir, `test-${domain}.jsonl`);
    await fs.writeFile(testFile, jsonl(rng.shuffle(counts.test)));
    domains.push({ domain, train: counts.train, val: counts.val, test: counts.test.length, testFile });
  }
  const trainFile = path.join(o.dir, 'train.jsonl');
  const valFile = path.join(o.dir, 'val.jsonl');
  // Interleave domains and labels: batches then mix them from the first step.
  await fs.writeFile(trainFile, jsonl(rng.shuffle(train)));
  await fs.writeFile(valFile, jsonl(rng.shuffle(val)));
  return { trainFile, valFile, domains };
}
