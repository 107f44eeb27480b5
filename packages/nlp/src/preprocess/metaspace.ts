import { type JsonRecord, optionalBoolean, optionalString } from './json-fields.js';

/** When Metaspace puts `▁` before a text: always, only before the first section, or never. */
export type PrependScheme = 'always' | 'first' | 'never';

/** SentencePiece's word marker. */
export const METASPACE = '\u2581';

export interface MetaspaceOptions {
  readonly replacement: string;
  readonly prependScheme: PrependScheme;
  /** Split into words, each starting at a `▁` (HF `split`, default true). */
  readonly split: boolean;
}

/**
 * Reads a `Metaspace` pre-tokenizer or decoder entry, including the older `add_prefix_space`
 * spelling of the prepend scheme.
 */
export function metaspaceFromJson(n: JsonRecord, where: string): MetaspaceOptions {
  const replacement = optionalString(n, 'replacement', where) ?? METASPACE;
  if (Array.from(replacement).length !== 1)
    throw new Error(`${where}: Metaspace 'replacement' must be one character`);
  const scheme = optionalString(n, 'prepend_scheme', where);
  if (scheme !== undefined && scheme !== 'always' && scheme !== 'first' && scheme !== 'never') {
    throw new Error(`${where}: Metaspace 'prepend_scheme' must be always, first or never, got '${scheme}'`);
  }
  const legacy = optionalBoolean(n, 'add_prefix_space', where);
  return {
    replacement,
    prependScheme: scheme ?? (legacy === false ? 'never' : 'always'),
    split: optionalBoolean(n, 'split', where) ?? true,
  };
}

/**
 * Metaspace pre-tokenisation of normalised text: spaces become `▁`, a `▁` is prepended as the
 * scheme says (`first` is the text's first section), then with `split` the text is cut before
 * every `▁` ('▁a▁▁b' -> ['▁a', '▁', '▁b']).
 */
export function metaspaceWords(text: string, options: MetaspaceOptions, firstSection: boolean): string[] {
  let s = text.replaceAll(' ', options.replacement);
  const prepend = options.prependScheme === 'always' || (options.prependScheme === 'first' && firstSection);
  if (prepend && s !== '' && !s.startsWith(options.replacement)) s = options.replacement + s;
  if (!options.split) return s === '' ? [] : [s];
  const words: string[] = [];
  let current = '';
  for (const ch of s) {
    if (ch === options.replacement && current !== '') {
      words.push(current);
      current = '';
    }
    current += ch;
  }
  if (current !== '') words.push(current);
  return words;
}

/** Metaspace decoding of joined pieces: `▁` back to spaces, the prepended one dropped. */
export function metaspaceDecode(text: string, options: MetaspaceOptions): string {
  const s = text.replaceAll(options.replacement, ' ');
  return options.prependScheme !== 'never' && s.startsWith(' ') ? s.slice(1) : s;
}
