import { stripAccents } from './unicode.js';

/** Options of the word-level path (bag-of-words features, vocabularies of whole words). */
export interface WordNormalizerOptions {
  /** Lower-case (default true). */
  lowercase?: boolean;
  /** Strip accents, `café` -> `cafe` (default true). */
  stripAccents?: boolean;
  /** Drop tokens that are only punctuation (default true). */
  dropPunctuation?: boolean;
  /** Porter-stem every word (`running` -> `run`; default false). */
  stem?: boolean;
  /** Drop English stop words (natural's list; default false). */
  removeStopWords?: boolean;
}

/** Turns a text into normalised words. */
export type WordNormalizer = (text: string) => string[];

const PUNCT_ONLY = /^[\p{P}\p{S}]+$/u;

/**
 * A word normaliser built on `natural`: its `WordPunctTokenizer` splits words from punctuation
 * (`Don't` -> `Don`, `'`, `t`), then lower-casing, accent stripping, optional Porter stemming and
 * stop-word removal. Only the needed `natural` files are loaded, and only when called (the
 * package root prints to stdout and takes ~0.5 s to load).
 *
 * @example
 * const words = await createWordNormalizer({ stem: true, removeStopWords: true });
 * words('The runners were running!'); // ['runner', 'run']
 */
export async function createWordNormalizer(options: WordNormalizerOptions = {}): Promise<WordNormalizer> {
  const { WordPunctTokenizer } = await import('natural/lib/natural/tokenizers/regexp_tokenizer.js');
  const stemmer = options.stem
    ? (await import('natural/lib/natural/stemmers/porter_stemmer.js')).default
    : undefined;
  const stop = options.removeStopWords
    ? new Set((await import('natural/lib/natural/util/stopwords.js')).words)
    : undefined;
  const tokenizer = new WordPunctTokenizer();
  const lowercase = options.lowercase ?? true;
  const strip = options.stripAccents ?? true;
  const dropPunctuation = options.dropPunctuation ?? true;
  return (text: string) => {
    let t = text.normalize('NFC');
    if (lowercase) t = t.toLowerCase();
    if (strip) t = stripAccents(t);
    const out: string[] = [];
    for (const word of tokenizer.tokenize(t)) {
      if (dropPunctuation && PUNCT_ONLY.test(word)) continue;
      if (stop?.has(word.toLowerCase())) continue;
      out.push(stemmer ? stemmer.stem(word) : word);
    }
    return out;
  };
}
