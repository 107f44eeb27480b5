import { isRecord, type JsonRecord } from './json-fields.js';

/** A text normaliser built from a `tokenizer.json` `normalizer` entry. */
export type TextNormalizer = (text: string) => string;

/** Code points nmt_nfkc drops: C0 controls except tab/newline/CR/FF, DEL, two C1 controls. */
function isDropped(c: number): boolean {
  return (
    (c >= 0x01 && c <= 0x08) ||
    c === 0x0b ||
    (c >= 0x0e && c <= 0x1f) ||
    c === 0x7f ||
    c === 0x8f ||
    c === 0x9f
  );
}

/** Code points nmt_nfkc turns into a plain space. */
function isSpaceLike(c: number): boolean {
  return (
    c === 0x09 ||
    c === 0x0a ||
    c === 0x0c ||
    c === 0x0d ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200f) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x2581 ||
    c === 0x3000 ||
    c === 0xfeff ||
    c === 0xfffd
  );
}

/**
 * SentencePiece's `nmt_nfkc` rules, which a `Precompiled` normaliser's charsmap encodes for T5,
 * Marian and most SentencePiece models: drop control characters, turn whitespace-like characters
 * into a space, then NFKC (except U+FF5E, which nmt_nfkc keeps). The charsmap itself is not
 * decoded, so a model trained with custom normalisation rules may normalise differently.
 */
export function nmtNfkc(text: string): string {
  let t = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (isDropped(c)) continue;
    t += isSpaceLike(c) ? ' ' : ch;
  }
  return t.includes('\uFF5E')
    ? t
        .split('\uFF5E')
        .map((p) => p.normalize('NFKC'))
        .join('\uFF5E')
    : t.normalize('NFKC');
}

function stringField(n: JsonRecord, key: string, where: string): string {
  const v = n[key];
  if (typeof v !== 'string') throw new Error(`${where}: '${key}' must be a string`);
  return v;
}

/** `Replace`'s pattern: `{ String: 'x' }` (literal) or `{ Regex: 'x' }`. */
export function replacePattern(n: JsonRecord, where: string): RegExp {
  const p = n['pattern'];
  if (isRecord(p) && typeof p['String'] === 'string') {
    return new RegExp(p['String'].replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  }
  if (isRecord(p) && typeof p['Regex'] === 'string') {
    try {
      return new RegExp(p['Regex'], 'gu');
    } catch (err) {
      throw new Error(
        `${where}: Replace pattern is not a valid regular expression: ${(err as Error).message}`,
      );
    }
  }
  throw new Error(`${where}: Replace needs pattern { String } or { Regex }`);
}

/**
 * The normaliser of a `tokenizer.json` `normalizer` entry (null: identity). Supported: Sequence,
 * Precompiled (as {@link nmtNfkc}), NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace,
 * Prepend; anything else is an error naming it.
 */
export function normalizerFromJson(n: unknown, where: string): TextNormalizer {
  if (n === null || n === undefined) return (t) => t;
  if (!isRecord(n)) throw new Error(`${where}: 'normalizer' must be an object or null`);
  const type = n['type'];
  switch (type) {
    case 'Sequence': {
      const list = n['normalizers'];
      if (!Array.isArray(list)) throw new Error(`${where}: Sequence needs a 'normalizers' array`);
      const steps = list.map((s, i) => normalizerFromJson(s, `${where} normalizers[${i}]`));
      return (t) => steps.reduce((acc, f) => f(acc), t);
    }
    case 'Precompiled':
      return nmtNfkc;
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (t) => t.normalize(type);
    case 'Lowercase':
      return (t) => t.toLowerCase();
    case 'StripAccents':
      return (t) => t.replace(/\p{Mn}/gu, '');
    case 'Strip': {
      const left = n['strip_left'] !== false;
      const right = n['strip_right'] !== false;
      return (t) => {
        let s = left ? t.replace(/^\s+/u, '') : t;
        s = right ? s.replace(/\s+$/u, '') : s;
        return s;
      };
    }
    case 'Replace': {
      const pattern = replacePattern(n, where);
      const content = stringField(n, 'content', where);
      return (t) => t.replace(pattern, () => content);
    }
    case 'Prepend': {
      const prefix = stringField(n, 'prepend', where);
      return (t) => (t === '' ? t : prefix + t);
    }
    default:
      throw new Error(
        `${where}: normalizer '${String(type)}' is not supported (Sequence, Precompiled, NFC/NFD/NFKC/NFKD, Lowercase, Strip, StripAccents, Replace, Prepend)`,
      );
  }
}
