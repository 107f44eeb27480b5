import { isCjk, isControl, isPunctuation, isWhitespace, stripAccents } from './unicode.js';

/** What BERT's normaliser does (HF `BertNormalizer` / `BasicTokenizer` options). */
export interface BertNormalizerOptions {
  /** Drop NUL, U+FFFD and control characters; map every whitespace character to ' ' (default true). */
  cleanText?: boolean;
  /** Put spaces around CJK ideographs so each becomes its own word (default true). */
  handleChineseChars?: boolean;
  /** Lower-case (default true: "uncased" models). */
  lowercase?: boolean;
  /** Strip accents; default: the value of `lowercase`, as HF does when it is unset. */
  stripAccents?: boolean;
}

/** The options with every default applied. */
export type ResolvedBertNormalizer = Required<BertNormalizerOptions>;

export function resolveBertNormalizer(o: BertNormalizerOptions = {}): ResolvedBertNormalizer {
  const lowercase = o.lowercase ?? true;
  return {
    cleanText: o.cleanText ?? true,
    handleChineseChars: o.handleChineseChars ?? true,
    lowercase,
    stripAccents: o.stripAccents ?? lowercase,
  };
}

/**
 * Normalises text as BERT does before splitting: cleaning, CJK spacing, NFC, lower-casing and
 * accent stripping.
 *
 * @example normalizeBert('Héllo\u0000 Wörld') // 'hello world'
 */
export function normalizeBert(text: string, options: ResolvedBertNormalizer): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (options.cleanText) {
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      if (isWhitespace(ch)) {
        out += ' ';
        continue;
      }
    }
    out += options.handleChineseChars && isCjk(cp) ? ` ${ch} ` : ch;
  }
  out = out.normalize('NFC');
  if (options.lowercase) out = out.toLowerCase();
  if (options.stripAccents) out = stripAccents(out);
  return out;
}

/**
 * BERT's pre-tokenisation of normalised text: split on whitespace, then make every punctuation
 * character a word of its own.
 *
 * @example splitBertWords("don't stop!") // ['don', "'", 't', 'stop', '!']
 */
export function splitBertWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  const flush = () => {
    if (current) words.push(current);
    current = '';
  };
  for (const ch of text) {
    if (isWhitespace(ch)) flush();
    else if (isPunctuation(ch)) {
      flush();
      words.push(ch);
    } else current += ch;
  }
  flush();
  return words;
}
