import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import { type EspeakVoice, synthesizeWav } from './espeak.js';

/** An accent of the demo: the Common Voice accent name and the eSpeak NG voice that speaks it. */
export interface DemoAccent {
  readonly accent: string;
  readonly voice: string;
}

/** The demo's accents: a source accent and targets whose vowels and rhythm differ audibly. */
export const DEMO_ACCENTS: readonly DemoAccent[] = [
  { accent: 'England English', voice: 'en-gb' },
  { accent: 'Scottish English', voice: 'en-gb-scotland' },
  { accent: 'United States English', voice: 'en-us' },
  { accent: 'Caribbean English', voice: 'en-029' },
];

/** Words whose vowels the accents say differently (bath/trap, rhotic r, t-flapping, ...). */
const WORDS = [
  'bath',
  'car',
  'water',
  'house',
  'about',
  'girl',
  'right',
  'tomato',
  'dance',
  'park',
  'better',
  'north',
  'force',
  'goat',
  'face',
  'price',
  'mouth',
  'start',
  'nurse',
  'letter',
  'city',
  'half',
  'grass',
  'after',
  'hot',
  'lot',
  'cloth',
  'tune',
  'news',
  'bird',
];

export interface AccentCorpusOptions {
  readonly accents?: readonly DemoAccent[];
  /** Speakers per split and accent; splits have disjoint speakers. */
  readonly speakers?: Readonly<Record<'train' | 'dev' | 'test', number>>;
  readonly clipsPerSpeaker?: number;
  readonly seed?: number;
}

/** What was written: clips per split and accent. */
export type CorpusCounts = Record<string, Record<string, number>>;

const HEADER = 'client_id\tpath\tsentence_id\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale';

/**
 * Writes a Common Voice locale folder (`train.tsv`, `dev.tsv`, `test.tsv`, `clips/*.wav`) of
 * synthetic English in several accents: each speaker is an eSpeak NG accent voice with its own
 * pitch and rate, each clip a random sentence of 2-4 words written as Common Voice does
 * (capitalised, full stop), the `accents` column the accent name. Seeded: the same options write
 * the same corpus. The speech presets read it as they read Common Voice.
 */
export async function writeAccentCorpus(
  dir: string,
  options: AccentCorpusOptions = {},
): Promise<CorpusCounts> {
  const accents = options.accents ?? DEMO_ACCENTS;
  const speakers = options.speakers ?? { train: 4, dev: 1, test: 1 };
  const perSpeaker = options.clipsPerSpeaker ?? 10;
  const rng = new Rng(options.seed ?? 1);
  await fs.mkdir(path.join(dir, 'clips'), { recursive: true });
  const counts: CorpusCounts = {};
  let id = 0;
  for (const split of ['train', 'dev', 'test'] as const) {
    const rows = [HEADER];
    counts[split] = {};
    for (const [a, { accent, voice }] of accents.entries()) {
      for (let s = 0; s < speakers[split]; s++) {
        const speaker: EspeakVoice = { voice, pitch: 30 + rng.int(41), speed: 140 + rng.int(41) };
        const client = `${split}-a${a}-s${s}`;
        for (let c = 0; c < perSpeaker; c++) {
          const words = Array.from({ length: 2 + rng.int(3) }, () => WORDS[rng.int(WORDS.length)] as string);
          const text = words.join(' ');
          const clip = `synthetic_${id}.wav`;
          await fs.writeFile(path.join(dir, 'clips', clip), await synthesizeWav(text, speaker));
          const sentence = `${text[0]?.toUpperCase()}${text.slice(1)}.`;
          rows.push(`${client}\t${clip}\t${id}\t${sentence}\t2\t0\t\t\t${accent}\ten`);
          id++;
        }
        counts[split][accent] = (counts[split][accent] ?? 0) + perSpeaker;
      }
    }
    await fs.writeFile(path.join(dir, `${split}.tsv`), `${rows.join('\n')}\n`);
  }
  return counts;
}
