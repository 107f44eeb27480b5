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

/** Speakers per split; splits have disjoint speakers. */
export type SplitSpeakers = Readonly<Record<'train' | 'dev' | 'test', number>>;

export interface AccentCorpusOptions {
  readonly accents?: readonly DemoAccent[];
  /** Speakers per split and accent; splits have disjoint speakers. */
  readonly speakers?: SplitSpeakers;
  /** Per-accent overrides of `speakers` (e.g. no training speakers for an accent only tested). */
  readonly speakersByAccent?: Readonly<Record<string, SplitSpeakers>>;
  readonly clipsPerSpeaker?: number;
  /**
   * White noise added to every clip at a signal-to-noise ratio drawn per clip from this range
   * (dB); absent: clean clips.
   */
  readonly noiseSnrDb?: readonly [min: number, max: number];
  readonly seed?: number;
  /** Called after each clip with the number written so far (progress). */
  readonly onClip?: (done: number) => void;
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
      const n = (options.speakersByAccent?.[accent] ?? speakers)[split];
      for (let s = 0; s < n; s++) {
        const speaker: EspeakVoice = { voice, pitch: 30 + rng.int(41), speed: 140 + rng.int(41) };
        const client = `${split}-a${a}-s${s}`;
        for (let c = 0; c < perSpeaker; c++) {
          const words = Array.from({ length: 2 + rng.int(3) }, () => WORDS[rng.int(WORDS.length)] as string);
          const text = words.join(' ');
          const clip = `synthetic_${id}.wav`;
          const wav = await synthesizeWav(text, speaker);
          const snr = options.noiseSnrDb;
          if (snr) addWhiteNoise(wav, snr[0] + rng.uniform() * (snr[1] - snr[0]), rng);
          await fs.writeFile(path.join(dir, 'clips', clip), wav);
          const sentence = `${text[0]?.toUpperCase()}${text.slice(1)}.`;
          rows.push(`${client}\t${clip}\t${id}\t${sentence}\t2\t0\t\t\t${accent}\ten`);
          id++;
          options.onClip?.(id);
        }
        counts[split][accent] = (counts[split][accent] ?? 0) + perSpeaker;
      }
    }
    await fs.writeFile(path.join(dir, `${split}.tsv`), `${rows.join('\n')}\n`);
  }
  return counts;
}

/** The sample bytes of a 16-bit PCM WAV (its `data` chunk), as eSpeak NG writes it. */
function pcm16Samples(wav: Uint8Array): Int16Array {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const tag = (at: number) => String.fromCharCode(...wav.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('espeak-ng output is not a RIFF WAVE file');
  for (let at = 12; at + 8 <= wav.length; ) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'data') {
      const bytes = Math.min(size, wav.length - at - 8) & ~1;
      return new Int16Array(wav.buffer, wav.byteOffset + at + 8, bytes / 2);
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('espeak-ng output has no data chunk');
}

/**
 * Adds Gaussian white noise at `snrDb` relative to the clip's mean power, in place (clipped to
 * 16 bits). A different room and microphone per clip, in the crudest form.
 */
export function addWhiteNoise(wav: Uint8Array, snrDb: number, rng: Rng): void {
  // The buffer may not be 2-byte aligned: work on an aligned copy, then write it back.
  const copy = new Uint8Array(wav);
  const samples = pcm16Samples(copy);
  let power = 0;
  for (const v of samples) power += v * v;
  power /= Math.max(1, samples.length);
  const std = Math.sqrt(power / 10 ** (snrDb / 10));
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] ?? 0) + rng.normal(0, std));
    samples[i] = Math.max(-32768, Math.min(32767, v));
  }
  wav.set(copy);
}
