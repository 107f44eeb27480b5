import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readJsonObject, writeDirAtomic, writeJsonAtomic } from '@peftkit/core';
import { type AccentCorpusOptions, type CorpusCounts, writeAccentCorpus } from './accent-corpus.js';

/** Bump when the corpus writer changes what it writes for the same options. */
const CORPUS_VERSION = 1;

const MANIFEST = 'corpus.json';

/** A synthetic corpus folder and what it holds. */
export interface CachedCorpus {
  readonly dir: string;
  readonly counts: CorpusCounts;
  /** True when an earlier run wrote it and this one reused it. */
  readonly reused: boolean;
  /** Synthesis wall time of the run that wrote it (seconds). */
  readonly synthSeconds: number;
}

/** The cache key of a corpus: a hash of everything that decides its contents. */
export function corpusKey(options: AccentCorpusOptions): string {
  const text = JSON.stringify({ version: CORPUS_VERSION, options });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The corpus `options` describe, in `<cacheDir>/<name>-<hash>`: synthesised once (written whole
 * or not at all), then reused by every later run with the same options. Synthesis is the slow
 * part of the demo (~0.3-0.5 s a clip), and seeded, so a reuse is the same corpus.
 */
export async function cachedAccentCorpus(
  cacheDir: string,
  name: string,
  options: AccentCorpusOptions,
  log: (line: string) => void,
): Promise<CachedCorpus> {
  const dir = path.join(cacheDir, `${name}-${corpusKey(options)}`);
  const manifest = await readJsonObject(path.join(dir, MANIFEST), 'corpus manifest').catch(() => null);
  if (manifest) {
    return {
      dir,
      counts: manifest['counts'] as CorpusCounts,
      reused: true,
      synthSeconds: manifest['synthSeconds'] as number,
    };
  }
  await fs.mkdir(cacheDir, { recursive: true });
  const t0 = performance.now();
  let counts: CorpusCounts = {};
  let synthSeconds = 0;
  await writeDirAtomic(dir, async (tmp) => {
    counts = await writeAccentCorpus(tmp, { ...options, onClip: progressLog(name, options, log) });
    synthSeconds = (performance.now() - t0) / 1000;
    await writeJsonAtomic(path.join(tmp, MANIFEST), { options, counts, synthSeconds });
  });
  return { dir, counts, reused: false, synthSeconds };
}

/** A log line every 25 clips, so a long synthesis shows it is alive. */
function progressLog(
  name: string,
  options: AccentCorpusOptions,
  log: (line: string) => void,
): (done: number) => void {
  const s = options.speakers;
  const accents = options.accents?.length ?? 1;
  const total = s ? (s.train + s.dev + s.test) * accents * (options.clipsPerSpeaker ?? 10) : null;
  return (done) => {
    if (done % 25 === 0) log(`demo: synthesising ${name}: ${done}${total ? `/${total}` : ''} clips`);
  };
}
