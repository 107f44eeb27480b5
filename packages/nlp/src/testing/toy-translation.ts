import { Rng } from '@peftkit/core';

/** The toy language's word for each English word: same word order, one word for one word. */
const LEXICON: Readonly<Record<string, string>> = {
  the: 'da',
  cat: 'mik',
  dog: 'voo',
  fish: 'sel',
  bird: 'pip',
  sees: 'lat',
  eats: 'num',
  big: 'gro',
  small: 'tin',
  red: 'ru',
};
const NOUNS = ['cat', 'dog', 'fish', 'bird'];
const VERBS = ['sees', 'eats'];
const ADJECTIVES = ['big', 'small', 'red'];

/** One English sentence and its toy-language translation. */
export interface ToyPair {
  readonly source: string;
  readonly target: string;
}

/**
 * `count` seeded sentence pairs of a word-for-word toy translation (`the big cat sees the dog` ->
 * `da gro mik lat da voo`): a learnable mapping for tests that train translation end to end.
 */
export function toyTranslationPairs(count: number, seed = 7): ToyPair[] {
  const rng = new Rng(seed);
  const pick = (xs: readonly string[]) => xs[rng.int(xs.length)] as string;
  return Array.from({ length: count }, () => {
    const words = ['the', pick(ADJECTIVES), pick(NOUNS), pick(VERBS), 'the', pick(NOUNS)];
    return { source: words.join(' '), target: words.map((w) => LEXICON[w]).join(' ') };
  });
}

/** Pairs as a `source<TAB>target` file with a header row (what `nlp/tsv-pairs` reads). */
export function toTsv(pairs: readonly ToyPair[]): string {
  return `source\ttarget\n${pairs.map((p) => `${p.source}\t${p.target}`).join('\n')}\n`;
}
