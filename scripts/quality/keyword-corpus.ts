import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Rng, readJsonObject, writeDirAtomic, writeJsonAtomic } from '@peftkit/core';
import { addWhiteNoise } from '../demos/speech/accent-corpus.js';
import { synthesizeWav } from '../demos/speech/espeak.js';

/** What a synthetic Speech Commands folder holds: keywords, voices and speakers per split. */
export interface KeywordCorpusPlan {
  readonly keywords: readonly string[];
  /** eSpeak NG voices the speakers are drawn from, in turn. */
  readonly voices: readonly string[];
  readonly speakers: Readonly<Record<'train' | 'validation' | 'test', number>>;
  /** Times each speaker says each keyword. */
  readonly repeats: number;
  readonly noiseSnrDb: readonly [number, number];
  readonly seed: number;
}

export interface KeywordCorpus {
  readonly dir: string;
  /** Clips per split and keyword. */
  readonly counts: Record<'train' | 'validation' | 'test', Record<string, number>>;
}

/** Bump when the writer changes what it writes for the same plan. */
const VERSION = 1;

/**
 * A Speech Commands folder (`<keyword>/<speaker>_nohash_<n>.wav`, `validation_list.txt`,
 * `testing_list.txt`) of synthetic speech: every speaker is an eSpeak NG voice with its own pitch
 * and rate; validation and test speakers say nothing in train. Written once into
 * `<cacheDir>/<name>-<hash of the plan>` (whole or not at all) and reused.
 */
export async function cachedKeywordCorpus(
  cacheDir: string,
  name: string,
  plan: KeywordCorpusPlan,
  log: (line: string) => void,
): Promise<KeywordCorpus> {
  const key = createHash('sha256').update(JSON.stringify({ VERSION, plan })).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, `${name}-${key}`);
  const manifest = await readJsonObject(path.join(dir, 'corpus.json'), 'corpus manifest').catch(() => null);
  if (manifest) return { dir, counts: manifest['counts'] as KeywordCorpus['counts'] };
  await fs.mkdir(cacheDir, { recursive: true });
  const rng = new Rng(plan.seed);
  const counts: KeywordCorpus['counts'] = { train: {}, validation: {}, test: {} };
  const total =
    (plan.speakers.train + plan.speakers.validation + plan.speakers.test) *
    plan.keywords.length *
    plan.repeats;
  let done = 0;
  let speakerIndex = 0;
  await writeDirAtomic(dir, async (tmp) => {
    const lists = { validation: [] as string[], test: [] as string[] };
    for (const split of ['train', 'validation', 'test'] as const) {
      for (let s = 0; s < plan.speakers[split]; s++, speakerIndex++) {
        const voice = plan.voices[speakerIndex % plan.voices.length] as string;
        const id = createHash('sha256').update(`${plan.seed}-${speakerIndex}`).digest('hex').slice(0, 8);
        const speaker = { voice, pitch: 30 + rng.int(41), speed: 140 + rng.int(41) };
        for (const word of plan.keywords) {
          await fs.mkdir(path.join(tmp, word), { recursive: true });
          for (let n = 0; n < plan.repeats; n++) {
            const wav = await synthesizeWav(word, speaker);
            const [lo, hi] = plan.noiseSnrDb;
            addWhiteNoise(wav, lo + rng.uniform() * (hi - lo), rng);
            const file = `${word}/${id}_nohash_${n}.wav`;
            await fs.writeFile(path.join(tmp, file), wav);
            if (split !== 'train') lists[split].push(file);
            counts[split][word] = (counts[split][word] ?? 0) + 1;
            if (++done % 25 === 0) log(`quality: synthesising ${name}: ${done}/${total} clips`);
          }
        }
      }
    }
    await fs.writeFile(path.join(tmp, 'validation_list.txt'), `${lists.validation.join('\n')}\n`);
    await fs.writeFile(path.join(tmp, 'testing_list.txt'), `${lists.test.join('\n')}\n`);
    await writeJsonAtomic(path.join(tmp, 'corpus.json'), { plan, counts });
  });
  return { dir, counts };
}
