/**
 * Character classes of BERT's `BasicTokenizer`, as Hugging Face defines them (the same
 * predicates in `transformers` and the Rust `tokenizers` crate's `BertNormalizer`).
 */

const WHITESPACE_RE = /^\p{Zs}$/u;
const CONTROL_RE = /^\p{C}$/u;
const PUNCT_RE = /^\p{P}$/u;
const MARK_NONSPACING_RE = /\p{Mn}/gu;

/** Space, tab, newline, carriage return, or any Unicode space separator (category Zs). */
export function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || WHITESPACE_RE.test(ch);
}

/** A control or format character (category C*), except tab, newline and carriage return. */
export function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return CONTROL_RE.test(ch);
}

/**
 * Punctuation: every non-alphanumeric ASCII printable (`$`, `^`, `` ` `` and `+` count, as in
 * BERT, although Unicode files them as symbols) or any Unicode punctuation (category P*).
 */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126)
  ) {
    return true;
  }
  return PUNCT_RE.test(ch);
}

/** The CJK Unified Ideographs blocks BERT splits into single characters (not Hangul, not kana). */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** NFD-decomposes `text` and drops the combining marks (category Mn): `café` -> `cafe`. */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(MARK_NONSPACING_RE, '');
}
