import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import { encodeWav, tone } from '../../audio/testing/index.js';

/**
 * Synthetic "speech" for end-to-end tests: each letter is 0.12 s of its own tone (a = 440 Hz,
 * like the MP3 fixture) times the speaker group's pitch factor (the synthetic "accent"); a space
 * is 0.06 s of silence.
 */
export const TONE_PITCH: Readonly<Record<string, number>> = { a: 440, b: 880, c: 1320, d: 1760 };
const RATE = 16_000;

/** `text` (letters a-d and spaces) spoken at `rate` Hz with every pitch times `factor`. */
export function speakTones(text: string, rate: number, factor: number): Float32Array {
  const parts: Float32Array[] = [new Float32Array(Math.round(rate * 0.05))];
  for (const ch of text) {
    const pitch = TONE_PITCH[ch];
    if (ch !== ' ' && pitch === undefined) throw new Error(`speakTones: no tone for '${ch}'`);
    parts.push(
      ch === ' '
        ? new Float32Array(Math.round(rate * 0.06))
        : tone((pitch as number) * factor, rate, 0.12, 0.4),
    );
  }
  parts.push(new Float32Array(Math.round(rate * 0.05)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The header of a Common Voice TSV. */
export const CV_HEADER =
  'client_id\tpath\tsentence_id\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale';

export interface ToneLocaleOptions {
  /** Pitch factor of this accent (1 = source). */
  readonly factor: number;
  /** Written to the `accents` column. */
  readonly accent: string;
  readonly seed: number;
  /** Clips per split (default train 40, dev 8). */
  readonly counts?: Readonly<Record<string, number>>;
  /** Where clip numbering starts (keeps file names distinct across accents in one folder). */
  readonly offset?: number;
  /** Prefix of the six `client_id`s (default `client`): distinct prefixes make distinct speakers. */
  readonly speakerPrefix?: string;
  /** Extra clip, e.g. an MP3 fixture of 'a', appended to the train split. */
  readonly extraTrainClip?: { readonly file: string; readonly sentence: string };
}

/**
 * Writes a Common Voice locale folder (`<split>.tsv`, `clips/`) of random sentences of 1-2 words
 * of 1-3 letters in tone speech; every fourth clip at 8 kHz (decoding resamples it); sentences
 * capitalised with a full stop as Common Voice writes them. Returns the rows written per split.
 */
export async function writeToneLocale(
  dir: string,
  options: ToneLocaleOptions,
): Promise<Record<string, { clip: string; text: string }[]>> {
  await fs.mkdir(path.join(dir, 'clips'), { recursive: true });
  const rng = new Rng(options.seed);
  const letters = Object.keys(TONE_PITCH);
  const sentence = () =>
    Array.from({ length: 1 + rng.int(2) }, () =>
      Array.from({ length: 1 + rng.int(3) }, () => letters[rng.int(letters.length)]).join(''),
    ).join(' ');
  const counts = options.counts ?? { train: 40, dev: 8 };
  const written: Record<string, { clip: string; text: string }[]> = {};
  let offset = options.offset ?? 0;
  for (const [split, count] of Object.entries(counts)) {
    const rows = [CV_HEADER];
    const list: { clip: string; text: string }[] = [];
    for (let i = 0; i < count; i++) {
      const text = sentence();
      const clip = `common_voice_en_${offset + i}.wav`;
      const rate = i % 4 === 3 ? 8000 : RATE;
      await fs.writeFile(
        path.join(dir, 'clips', clip),
        encodeWav([speakTones(text, rate, options.factor)], rate, '16'),
      );
      const shown = `${text[0]?.toUpperCase()}${text.slice(1)}.`;
      rows.push(
        `${options.speakerPrefix ?? 'client'}${i % 6}\t${clip}\t${offset + i}\t${shown}\t2\t0\t\t\t${options.accent}\ten`,
      );
      list.push({ clip, text });
    }
    if (split === 'train' && options.extraTrainClip) {
      const { file, sentence: s } = options.extraTrainClip;
      const name = `common_voice_en_extra${path.extname(file)}`;
      await fs.copyFile(file, path.join(dir, 'clips', name));
      rows.push(`client0\t${name}\t999\t${s}\t2\t0\t\t\t${options.accent}\ten`);
    }
    await fs.writeFile(path.join(dir, `${split}.tsv`), `${rows.join('\n')}\n`);
    written[split] = list;
    offset += Math.max(100, count);
  }
  return written;
}
